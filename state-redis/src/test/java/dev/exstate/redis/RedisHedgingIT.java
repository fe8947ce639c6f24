package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.guard.GuardAdvisor;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.GuardStats;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.session.SessionId;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "What timeout should Redis have?" answered from measurement, and what hedged reads do to the
 * tail. The same read workload (uncached session reads at a steady rate, several threads, over
 * several connections) runs three times against one redis-server behind a fault proxy that holds
 * back a small share of chunks for 200 ms (a stalled connection, like a retransmission): under the
 * default policy, under the policy a {@link GuardAdvisor} derived from the first run (which hedges
 * reads after their p95), and under an adaptive policy that follows the measurement itself.
 *
 * <p>Only relative figures from the same run are asserted, and only a clear effect: the spikes
 * put a few percent of the default run's reads at tens to hundreds of milliseconds, so its p99 is
 * a spike, while a hedge sent after the p95 over another connection answers in about a round
 * trip; so the advised p99 must be less than half the default's, at no more errors. The figures
 * are printed for the record.
 */
@DisplayName("Hedged reads against Redis with latency spikes")
class RedisHedgingIT {
    private static final Duration SPIKE = Duration.ofMillis(200);
    /**
     * Per chunk. About 100 x 2 chunks per second spike 0.8 times a second; each stalls its
     * connection, and the 1 to 3 reads queued behind it, for up to 200 ms: 2 to 3% of reads are slow
     * (above the p99, below the p95).
     */
    private static final double SPIKE_PROBABILITY = 0.004;
    private static final int CONNECTIONS = 8;
    private static final int WORKERS = 4;
    private static final int CALLS_PER_SECOND = 100;
    private static final int WARM_UP = 400;
    private static final int MEASURED = 2_000;
    private static final int SESSIONS = 64;

    @RegisterExtension
    static final RedisFixture<RedisServer> fixture = RedisFixture.serverPerTest("hedge");

    private FaultProxy proxy;

    private RedisState state(GuardPolicy policy) {
        return fixture.state(fixture.options(proxy.uri("redis")).connections(CONNECTIONS).guardPolicy(policy).build());
    }

    @Test
    @DisplayName("the advised policy with hedged reads keeps p99 below half the default's at no more errors; the adaptive one lowers it too")
    void advisedPolicyCutsTheTail() throws Exception {
        RedisServer redis = fixture.closeAfter(RedisServer.builder().start());
        proxy = fixture.closeAfter(FaultProxy.builder(redis.host(), redis.port()).maxConnections(64).start());

        GuardPolicy defaults = GuardPolicy.defaults();
        RedisState first = state(defaults);
        RedisSessionStore store = fixture.sessions(first);
        List<SessionId> ids = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            String value = "v" + i;
            ids.add(store.create(s -> s.putString("k", value)).id());
        }
        GuardAdvisor advisor = GuardAdvisor.watch(first.guard());
        proxy.latencySpikes(SPIKE_PROBABILITY, SPIKE);
        Run baseline = run("default", store, ids, first);
        GuardAdvisor.Advice advice = advisor.advise();
        advisor.close();
        System.out.println(advice.report());

        GuardPolicy advised = advice.policy();
        assertThat(advised.hedging()).as("the advisor sees the tail and advises hedging: %s", advice).isTrue();
        RedisState second = state(advised);
        Run hedged = run("advised", fixture.sessions(second), ids, second);

        GuardPolicy adaptive = defaults.toBuilder()
                .adaptiveTimeout(Duration.ofMillis(50), Duration.ofMillis(500)).hedgeAfterPercentile(95).build();
        RedisState third = state(adaptive);
        Run followed = run("adaptive", fixture.sessions(third), ids, third);

        System.out.println(baseline + "\n" + hedged + "\n" + followed + "\nspiked chunks: " + proxy.spikedChunks());
        assertThat(proxy.spikedChunks()).isPositive();
        assertThat(hedged.p99() * 2).as("advised p99 below half the default's\n%s\n%s", baseline, hedged)
                .isLessThan(baseline.p99());
        assertThat(hedged.errors).isLessThanOrEqualTo(baseline.errors);
        assertThat(followed.p99()).as("adaptive p99 below the default's\n%s\n%s", baseline, followed)
                .isLessThan(baseline.p99());
        assertThat(followed.errors).isLessThanOrEqualTo(baseline.errors);
        // at most one hedge per call, within the 10% budget (plus its burst of 10)
        for (Run r : List.of(hedged, followed)) {
            assertThat(r.stats.hedges()).isPositive().isLessThanOrEqualTo(r.stats.calls() / 10 + 10);
        }
        assertThat(baseline.stats.hedges()).isZero();
    }

    /** Reads at a steady rate from several threads; latencies of the measured reads, after a warm-up. */
    private Run run(String name, RedisSessionStore store, List<SessionId> ids, RedisState state) throws Exception {
        int total = WARM_UP + MEASURED;
        long[] latencies = new long[total];
        AtomicInteger errors = new AtomicInteger();
        long period = TimeUnit.SECONDS.toNanos(1) / CALLS_PER_SECOND;
        long begin = System.nanoTime();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                done.add(workers.submit(() -> {
                    for (int i = worker; i < total; i += WORKERS) {
                        long due = begin + i * period;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        long t0 = System.nanoTime();
                        try {
                            assertThat(store.findFresh(ids.get(i % ids.size()))).isPresent();
                        } catch (StateUnavailableException e) {
                            if (i >= WARM_UP) {
                                errors.incrementAndGet();
                            }
                        }
                        latencies[i] = System.nanoTime() - t0;
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.MINUTES); // a bound for a hung run, never a speed assertion
            }
        } finally {
            workers.shutdownNow();
        }
        long[] measured = Arrays.copyOfRange(latencies, WARM_UP, total);
        Arrays.sort(measured);
        return new Run(name, measured, errors.get(), state.guard().stats());
    }

    /** The measured latencies of one run, sorted, and the guard's counters after it. */
    private record Run(String name, long[] sorted, int errors, GuardStats stats) {
        long at(double percentile) {
            int rank = (int) Math.ceil(percentile / 100 * sorted.length - 1e-6);
            return sorted[Math.max(0, rank - 1)];
        }

        long p99() {
            return at(99);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-8s p50=%.2f ms p95=%.2f ms p99=%.2f ms p99.9=%.2f ms max=%.2f ms over %d reads,"
                            + " errors %d, hedges %d (won %d), timeouts %d, retries %d",
                    name, at(50) / 1e6, at(95) / 1e6, at(99) / 1e6, at(99.9) / 1e6, sorted[sorted.length - 1] / 1e6,
                    sorted.length, errors, stats.hedges(), stats.hedgeWins(), stats.timeouts(), stats.retries());
        }
    }
}
