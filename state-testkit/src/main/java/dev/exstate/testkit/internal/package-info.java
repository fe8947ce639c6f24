/** Implementation shared by the testkit's launchers and harnesses. Not API, may change without notice. */
package dev.exstate.testkit.internal;
