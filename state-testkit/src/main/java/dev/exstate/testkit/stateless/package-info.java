/** The statelessness check: replicas of a service driven by a workload, for tests. */
@ProcessLocal("test harness: runs in a test process, never as a replica of a service")
package dev.exstate.testkit.stateless;

import dev.exstate.runtime.ProcessLocal;
