/** An in-process S3 server (s3proxy), for tests. */
@ProcessLocal("test harness: runs in a test process, never as a replica of a service")
package dev.exstate.testkit.s3;

import dev.exstate.runtime.ProcessLocal;
