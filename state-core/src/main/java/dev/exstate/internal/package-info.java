/** Implementation of state-core shared by the providers. Not API, may change without notice. */
package dev.exstate.internal;
