/** Launchers for real backend processes (redis-server, etcd) on loopback ports, for tests. */
@ProcessLocal("test harness: runs in a test process, never as a replica of a service")
package dev.exstate.testkit.backend;

import dev.exstate.runtime.ProcessLocal;
