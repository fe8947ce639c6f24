package dev.exstate.bench.spring;

import org.openjdk.jmh.annotations.Threads;

/** {@link SessionRepositoryBenchmarks} with one thread. */
@Threads(1)
public class SessionRepositoryLatency extends SessionRepositoryBenchmarks {
}
