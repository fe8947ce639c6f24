package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.codec.Codec;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisServer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How long a caller waits for an answer (a value, a fallback or a typed exception) while the
 * real redis-server is paused with SIGSTOP, at a steady 200 calls per second spread over many
 * threads. The figures are printed for the record; the assertion only catches a gross breach, so
 * that a busy machine cannot make the test fail.
 *
 * <p>Interleaved with the calls, on the same threads, a bare {@code parkNanos(total timeout)}
 * shows what the machine's scheduler alone adds to a 100 ms wait at that moment: the floor for
 * any library.
 */
@DisplayName("Guard deadlines against a paused Redis")
class RedisDeadlineIT {
    private static final Duration TOTAL = Duration.ofMillis(100);
    /**
     * One attempt per call, and a breaker that stays closed during the run, so that every call
     * during the pause really waits for its deadline: the case that measures the deadline.
     */
    private static final GuardPolicy POLICY = GuardPolicy.builder()
            .timeout(TOTAL).totalTimeout(TOTAL)
            .slidingWindowSize(10_000).minimumNumberOfCalls(10_000) // the bounds; a run makes about 1,000 calls
            .maxConcurrentCalls(256)
            .build();
    private static final int CALLS_PER_SECOND = 200;
    /** Every fifth task is the scheduler baseline, so the guard still sees CALLS_PER_SECOND. */
    private static final int TASKS_PER_SECOND = CALLS_PER_SECOND * 5 / 4;
    /** Enough that calls never queue: about CALLS_PER_SECOND x TOTAL are in flight. */
    private static final int WORKERS = 48;
    /** The first calls of each kind load classes and run cold code: measured apart. */
    private static final Duration WARM_UP = Duration.ofSeconds(1);
    private static final Duration MEASURED = Duration.ofSeconds(4);
    /** A gross breach only; never a speed assertion. */
    private static final Duration GENEROUS = TOTAL.plusSeconds(1);

    @RegisterExtension
    static final RedisFixture<RedisServer> fixture = RedisFixture.serverPerTest("deadline");
    private RedisServer redis;

    /** Starts this test's server and returns a store of one replica on it, under the measured policy. */
    private RedisSessionStore store(SessionOptions sessions) {
        redis = fixture.closeAfter(RedisServer.builder().start());
        return fixture.sessions(fixture.state(fixture.options(redis.uri()).guardPolicy(POLICY).build()), sessions);
    }

    @Test
    @DisplayName("cold reads, writes and computes end by the total timeout while Redis is paused; cached reads are served stale")
    void deadlinesHoldWhileRedisIsPaused() throws Exception {
        RedisSessionStore store = store(RedisTesting.LONG_LIVED);
        // a Session is used by one thread at a time: workers borrow one
        BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
        for (int i = 0; i < WORKERS; i++) {
            String value = "v" + i;
            // before the pause: a 100 ms policy on a loaded machine may still time out now and then
            Session s = settled(() -> store.create(n -> n.putString("k", value)));
            settled(() -> {
                long hits = store.nearCacheStats().orElseThrow().hits();
                store.find(s.id()).orElseThrow();
                return store.nearCacheStats().orElseThrow().hits() > hits ? Boolean.TRUE : null;
            });
            sessions.add(s);
        }

        Samples warmUp = new Samples();
        Samples measured = new Samples();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        List<Future<?>> calls = new ArrayList<>();
        redis.pause();
        long gcCount = 0;
        long gcMs = 0;
        try {
            long period = TimeUnit.SECONDS.toNanos(1) / TASKS_PER_SECOND;
            long begin = System.nanoTime();
            long measureFrom = begin + WARM_UP.toNanos();
            long end = measureFrom + MEASURED.toNanos();
            long next = begin;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcCount -= Math.max(0, gc.getCollectionCount());
                gcMs -= Math.max(0, gc.getCollectionTime());
            }
            for (int i = 0; next - end < 0; i++, next += period) {
                LockSupport.parkNanos(next - System.nanoTime());
                Samples into = next - measureFrom < 0 ? warmUp : measured;
                int kind = i % 5;
                calls.add(workers.submit(() -> {
                    Session mine = sessions.take();
                    try {
                        switch (kind) {
                            case 0 -> into.measure("read (cold)", () -> store.find(SessionId.generate()));
                            case 1 -> into.measure("read (cached)", () -> store.find(mine.id()).orElseThrow());
                            case 2 -> into.measure("write", () -> {
                                mine.putString("k", UUID.randomUUID().toString());
                                store.save(mine);
                            });
                            case 3 -> into.measure("compute",
                                    () -> store.compute(mine.id(), "n", Codec.longs(), v -> v == null ? 1L : v + 1));
                            default -> into.measure("~ park 100 ms", () -> LockSupport.parkNanos(TOTAL.toNanos()));
                        }
                    } finally {
                        sessions.add(mine);
                    }
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcCount += Math.max(0, gc.getCollectionCount());
                gcMs += Math.max(0, gc.getCollectionTime());
            }
        } finally {
            redis.resume();
            workers.shutdownNow();
        }

        System.out.println("guard deadlines while redis-server is paused: total timeout " + TOTAL.toMillis() + " ms, "
                + CALLS_PER_SECOND + " calls/s over " + WORKERS + " threads, " + Runtime.getRuntime().availableProcessors()
                + " cpus; service time of each call (value | fallback | typed exception)\n"
                + "warm-up (first " + WARM_UP.toMillis() + " ms):\n" + warmUp.report()
                + "measured (next " + MEASURED.toMillis() + " ms):\n" + measured.report()
                + "GC during the pause: " + gcCount + " collections, " + gcMs + " ms; load average "
                + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        for (Samples s : List.of(warmUp, measured)) {
            assertThat(s.outcomes.keySet()).as("every answer is a value or a typed exception")
                    .allMatch(o -> o.endsWith(": value") || o.endsWith("Exception"));
            assertThat(s.all()).isNotEmpty().allMatch(nanos -> nanos <= GENEROUS.toNanos());
        }
        assertThat(measured.outcomes).containsKeys("read (cached): value", "read (cold): StateTimeoutException",
                "write: StateTimeoutException", "compute: StateTimeoutException");
    }

    @Test
    @DisplayName("compute's read and compare-and-set share one total timeout: the second step only gets the time left")
    void computeIsBoundedByOneTotalTimeout() throws Exception {
        RedisSessionStore store = store(SessionOptions.defaults());
        Session s = settled(() -> store.create(n -> n.putString("k", "v")));
        long fnTookMs = 60;

        StateTimeoutException e = null;
        for (int tries = 0; e == null && tries < 100; tries++) {
            AtomicInteger fnCalls = new AtomicInteger();
            try {
                // the read has answered when fn runs: Redis stops before the compare-and-set
                store.compute(s.id(), "n", Codec.longs(), v -> {
                    fnCalls.incrementAndGet();
                    redis.pause();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(fnTookMs));
                    return 1L;
                });
            } catch (StateTimeoutException timedOut) {
                if (fnCalls.get() == 1) {
                    e = timedOut;
                } // else the read itself timed out on a busy machine: try again
            } finally {
                if (redis.isPaused()) {
                    redis.resume();
                }
            }
        }

        assertThat(e).as("compute timed out in its compare-and-set").isNotNull();
        System.out.println("compute with a pause before its compare-and-set: " + e.getMessage());
        assertThat(e.operation()).isEqualTo("session.compute");
        assertThat(e.elapsed()).as("reported from the start of compute").isGreaterThanOrEqualTo(TOTAL);
        Matcher budget = Pattern.compile("timed out after (\\d+) ms: total timeout 100 ms reached").matcher(e.getMessage());
        if (budget.find()) {
            assertThat(Long.parseLong(budget.group(1))).as("the compare-and-set's budget")
                    .isLessThanOrEqualTo(TOTAL.toMillis() - fnTookMs);
        } else {
            assertThat(e.getMessage()).contains("not attempted: total timeout 100 ms already spent by earlier steps");
        }
    }

    /** The first non-null result of {@code call}, retried while Redis is slow to answer. */
    private static <T> T settled(Callable<T> call) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                .ignoreExceptionsInstanceOf(StateUnavailableException.class)
                .until(call, Objects::nonNull);
    }

    /** Service times and outcomes per kind of call. */
    private static final class Samples {
        final Map<String, ConcurrentLinkedQueue<Long>> latencies = new ConcurrentHashMap<>();
        final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

        void measure(String what, Runnable call) {
            long t0 = System.nanoTime();
            String outcome;
            try {
                call.run();
                outcome = "value";
            } catch (StateUnavailableException e) {
                outcome = e.getClass().getSimpleName();
            } catch (RuntimeException e) {
                outcome = "untyped " + e;
            }
            long took = System.nanoTime() - t0;
            latencies.computeIfAbsent(what, k -> new ConcurrentLinkedQueue<>()).add(took);
            outcomes.computeIfAbsent(what + ": " + outcome, k -> new LongAdder()).increment();
        }

        /** Every guarded call; not the baseline. */
        List<Long> all() {
            List<Long> all = new ArrayList<>();
            latencies.forEach((what, nanos) -> {
                if (!what.startsWith("~")) {
                    all.addAll(nanos);
                }
            });
            return all;
        }

        String report() {
            StringBuilder b = new StringBuilder();
            new TreeMap<>(latencies).forEach((what, nanos) -> b.append(line(what, new ArrayList<>(nanos))));
            b.append(line("all calls", all()));
            return b.append("  outcomes: ").append(new TreeMap<>(outcomes)).append('\n').toString();
        }
    }

    private static String line(String what, List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return String.format("  %-14s n=%5d  p50=%7.1f  p99=%7.1f  max=%7.1f ms%n", what, sorted.length,
                ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted.length == 0 ? 0 : sorted[sorted.length - 1]));
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
