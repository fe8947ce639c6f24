/** Churn checks that start and stop replica processes, for tests. */
@ProcessLocal("test harness: runs in a test process, never as a replica of a service")
package dev.exstate.testkit.churn;

import dev.exstate.runtime.ProcessLocal;
