/** Test certificates: a private CA and certificates written to a temp directory, for tests. */
@ProcessLocal("test harness: runs in a test process, never as a replica of a service")
package dev.exstate.testkit.tls;

import dev.exstate.runtime.ProcessLocal;
