package dev.exstate.bench.redis;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@link RedisBenchmarks} with 16 threads sharing one replica's clients (one multiplexed
 * connection per side): operations per second.
 */
@Threads(16)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisThroughput extends RedisBenchmarks {
}
