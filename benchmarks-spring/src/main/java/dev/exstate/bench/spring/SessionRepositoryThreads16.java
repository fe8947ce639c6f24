package dev.exstate.bench.spring;

import org.openjdk.jmh.annotations.Threads;

/** {@link SessionRepositoryBenchmarks} with 16 threads (each on its own sessions), on one replica. */
@Threads(16)
public class SessionRepositoryThreads16 extends SessionRepositoryBenchmarks {
}
