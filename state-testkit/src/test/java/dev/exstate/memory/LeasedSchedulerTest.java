package dev.exstate.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.InvalidLeaseNameException;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedJob;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.lease.spi.LeaseManager;
import dev.exstate.testkit.ManualClock;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The leased scheduler with two replicas (two providers and two schedulers over one in-memory
 * backend): short periods, Awaitility for the waiting, assertions on what happened rather than on
 * how fast. Where an outcome would depend on a thread being prompt (which tick runs, whether a lease
 * outlives a late renewal), leases and ticks follow a manual clock instead of the system clock.
 */
@DisplayName("LeasedScheduler over the in-memory backend")
class LeasedSchedulerTest {
    /** Bound on waits for scheduler threads; generous, since a busy machine is not a failure. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(10);

    private final InMemoryBackend backend = InMemoryBackend.create();
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

    private LeaseProvider replica() {
        LeaseProvider p = backend.leaseProvider();
        toClose.push(p);
        return p;
    }

    private LeasedScheduler scheduler(LeaseProvider leases, Duration grace) {
        LeasedScheduler s = LeasedScheduler.builder(leases).shutdownGrace(grace).build();
        toClose.push(s);
        return s;
    }

    private LeasedScheduler scheduler() {
        return scheduler(replica(), Duration.ofSeconds(5));
    }

    private LeaseProvider frozenReplica(InMemoryBackend frozen) {
        LeaseProvider p = frozen.leaseProvider();
        toClose.push(p);
        return p;
    }

    /** A replica whose leases and ticks follow {@code clock}. */
    private LeasedScheduler manualScheduler(InMemoryBackend frozen, ManualClock clock) {
        LeasedScheduler s = LeasedScheduler.builder(frozenReplica(frozen)).clock(clock).shutdownGrace(Duration.ofSeconds(5)).build();
        toClose.push(s);
        return s;
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
    }

    @Nested
    @DisplayName("fixed rate")
    class FixedRate {

        @Test
        @DisplayName("two replicas run each tick at most once between them, and every tick both tried ran once")
        void eachTickRunsAtMostOnce() {
            // Ticks follow a manual clock, moved one period only once both replicas have tried the
            // current tick: a slow machine delays the test but cannot make a tick be missed or run twice.
            ManualClock clock = new ManualClock();
            InMemoryBackend frozen = InMemoryBackend.create(clock);
            Duration period = Duration.ofMillis(100);
            Map<Long, AtomicInteger> runsPerTick = new ConcurrentHashMap<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            LeasedJob job = ctx -> {
                runsPerTick.computeIfAbsent(ctx.tick(), t -> new AtomicInteger()).incrementAndGet();
                threads.add(Thread.currentThread().getName() + (Thread.currentThread().isDaemon() ? "/daemon" : ""));
            };
            long firstTick = clock.now().toEpochMilli() / period.toMillis();
            int ticks = 15;
            ScheduledJob onA = manualScheduler(frozen, clock).scheduleAtFixedRate("report", period, job);
            ScheduledJob onB = manualScheduler(frozen, clock).scheduleAtFixedRate("report", period, job);

            for (int i = 1; i <= ticks; i++) {
                long tried = 2L * i;
                await().atMost(PATIENCE).pollInterval(POLL).until(() ->
                        onA.completedRuns() + onB.completedRuns() + onA.skippedTicks() + onB.skippedTicks() >= tried);
                if (i < ticks) {
                    clock.advance(period);
                }
            }
            onA.cancel();
            onB.cancel();

            assertThat(runsPerTick).allSatisfy((tick, runs) -> assertThat(runs).as("runs of tick %d", tick).hasValue(1));
            assertThat(runsPerTick.keySet()).as("ticks are epoch millis / period")
                    .containsExactlyInAnyOrderElementsOf(LongStream.range(firstTick, firstTick + ticks).boxed().toList());
            assertThat(onA.completedRuns() + onB.completedRuns()).isEqualTo(ticks);
            assertThat(onA.skippedTicks() + onB.skippedTicks()).as("ticks the other replica had").isEqualTo(ticks);
            assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("exstate-scheduler-").endsWith("/daemon"));
        }

        @Test
        @DisplayName("runs receive fencing tokens that increase from tick to tick")
        void tokensIncrease() {
            Map<Long, Long> tokenByTick = new ConcurrentHashMap<>();
            LeasedJob job = ctx -> tokenByTick.put(ctx.tick(), ctx.fencingToken());
            scheduler().scheduleAtFixedRate("tokens", Duration.ofMillis(100), job);
            scheduler().scheduleAtFixedRate("tokens", Duration.ofMillis(100), job);

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> tokenByTick.size() >= 8);

            List<Map.Entry<Long, Long>> byTick = new ArrayList<>(Map.copyOf(tokenByTick).entrySet());
            byTick.sort(Map.Entry.comparingByKey());
            for (int i = 1; i < byTick.size(); i++) {
                assertThat(byTick.get(i).getValue()).as("token of tick %d", byTick.get(i).getKey())
                        .isGreaterThan(byTick.get(i - 1).getValue());
            }
        }

        @Test
        @DisplayName("an exception thrown by the job is logged and the schedule goes on")
        void exceptionsDoNotStopTheSchedule() {
            AtomicInteger attempts = new AtomicInteger();
            ScheduledJob job = scheduler().scheduleAtFixedRate("failing", Duration.ofMillis(100), ctx -> {
                attempts.incrementAndGet();
                throw new IllegalStateException("job failure (expected by the test)");
            });

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> attempts.get() >= 3);

            assertThat(job.completedRuns()).isZero();
        }

        @Test
        @DisplayName("a job is interrupted and sees its lease invalid when the lease is lost mid-run")
        void lostLeaseInterruptsJob() {
            RefusingBackend refusing = new RefusingBackend();
            LeaseManager leases = new LeaseManager(refusing, StateClock.system());
            toClose.push(leases);
            AtomicInteger interrupted = new AtomicInteger();
            AtomicReference<Boolean> validWhenInterrupted = new AtomicReference<>();
            ScheduledJob job = scheduler(leases, Duration.ofSeconds(5)).scheduleAtFixedRate("lost", Duration.ofMillis(300), ctx -> {
                assertThat(ctx.isLeaseValid()).isTrue();
                refusing.refuseRenewals.set(true); // the next background renewal finds "another holder"
                try {
                    Thread.sleep(30_000);
                } catch (InterruptedException e) {
                    validWhenInterrupted.compareAndSet(null, ctx.isLeaseValid());
                    interrupted.incrementAndGet();
                    throw e;
                }
            });

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> interrupted.get() >= 1);

            assertThat(validWhenInterrupted.get()).isFalse();
            assertThat(job.completedRuns()).isZero();
        }

        @Test
        @DisplayName("close lets a job that stops when asked finish within the grace period, and its tick stays taken")
        void closeWaitsForJobWithinGrace() throws Exception {
            LeaseProvider a = replica();
            LeasedScheduler scheduler = scheduler(a, PATIENCE);
            CountDownLatch started = new CountDownLatch(1);
            AtomicLong tick = new AtomicLong();
            AtomicBoolean sawShutdown = new AtomicBoolean();
            AtomicBoolean interrupted = new AtomicBoolean();
            // a period (and so a tick lease) far longer than the test: the tick is surely still taken at the end
            ScheduledJob job = scheduler.scheduleAtFixedRate("graceful", Duration.ofMinutes(2), ctx -> {
                tick.set(ctx.tick());
                started.countDown();
                try {
                    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(() -> !ctx.isLeaseValid());
                    sawShutdown.set(true);
                } catch (RuntimeException e) {
                    interrupted.set(Thread.currentThread().isInterrupted());
                    throw e;
                }
            });
            assertThat(started.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

            scheduler.close();

            assertThat(sawShutdown).as("isLeaseValid turned false when shutdown began").isTrue();
            assertThat(interrupted).isFalse();
            assertThat(job.completedRuns()).isEqualTo(1);
            assertThat(replica().tryAcquire("job:graceful@" + tick.get(), Duration.ofSeconds(2)))
                    .as("a completed tick's lease is left to expire, not released").isEmpty();
        }
    }

    @Nested
    @DisplayName("fixed delay")
    class FixedDelay {

        @Test
        @DisplayName("across two replicas the next run starts at least the delay after the previous one ended")
        void runsAreSpacedByTheDelay() {
            Duration delay = Duration.ofMillis(150);
            List<long[]> runs = new CopyOnWriteArrayList<>();
            LeasedJob job = ctx -> {
                long start = System.nanoTime();
                Thread.sleep(20);
                runs.add(new long[] {start, System.nanoTime()});
            };
            ScheduledJob onA = scheduler().scheduleWithFixedDelay("compact", delay, job);
            ScheduledJob onB = scheduler().scheduleWithFixedDelay("compact", delay, job);

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> runs.size() >= 6);
            onA.cancel();
            onB.cancel();

            List<long[]> sorted = new ArrayList<>(runs);
            sorted.sort(Comparator.comparingLong(r -> r[0]));
            for (int i = 1; i < sorted.size(); i++) {
                long gap = sorted.get(i)[0] - sorted.get(i - 1)[1];
                assertThat(Duration.ofNanos(gap)).as("gap before run %d", i).isGreaterThanOrEqualTo(delay);
            }
            assertThat(onA.completedRuns() + onB.completedRuns()).isGreaterThanOrEqualTo(6);
        }

        @Test
        @DisplayName("close interrupts a job still running after the grace period and releases its lease to another replica")
        void closeInterruptsAndHandsOver() throws Exception {
            // leases on a clock that never moves: the first replica keeps the lease however late its renewals are
            InMemoryBackend frozen = InMemoryBackend.create(new ManualClock());
            LeasedScheduler first = scheduler(frozenReplica(frozen), Duration.ofMillis(200));
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            first.scheduleWithFixedDelay("long", Duration.ofMillis(200), ctx -> {
                started.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                }
            });
            assertThat(started.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            AtomicInteger runsOnSecond = new AtomicInteger();
            ScheduledJob second = scheduler(frozenReplica(frozen), Duration.ofSeconds(5))
                    .scheduleWithFixedDelay("long", Duration.ofMillis(200), ctx -> runsOnSecond.incrementAndGet());
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> second.skippedTicks() >= 2);
            assertThat(runsOnSecond).as("held by the first replica").hasValue(0);

            first.close();

            assertThat(interrupted).isTrue();
            // released, not left to expire: the second replica's next try (delay / 4) gets it
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> runsOnSecond.get() >= 1);
        }

        @Test
        @DisplayName("cancel stops future runs on this replica and frees the job name")
        void cancelStopsRuns() {
            LeasedScheduler scheduler = scheduler();
            AtomicInteger runs = new AtomicInteger();
            ScheduledJob job = scheduler.scheduleWithFixedDelay("tidy", Duration.ofMillis(50), ctx -> runs.incrementAndGet());
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> runs.get() >= 2);

            job.cancel();
            job.cancel();
            int afterCancel = runs.get();

            await().during(Duration.ofMillis(300)).atMost(PATIENCE).pollInterval(POLL)
                    .until(() -> runs.get() == afterCancel);
            ScheduledJob again = scheduler.scheduleWithFixedDelay("tidy", Duration.ofMillis(50), ctx -> runs.incrementAndGet());
            assertThat(again.name()).isEqualTo("tidy");
        }
    }

    @Nested
    @DisplayName("validation")
    class Validation {

        @Test
        @DisplayName("bad names, periods and settings are rejected with clear exceptions")
        void badInputIsRejected() {
            LeasedScheduler scheduler = scheduler();
            LeasedJob noop = ctx -> { };
            assertThatThrownBy(() -> scheduler.scheduleAtFixedRate(" ", Duration.ofSeconds(1), noop))
                    .isInstanceOf(InvalidLeaseNameException.class);
            assertThatThrownBy(() -> scheduler.scheduleAtFixedRate("x".repeat(190), Duration.ofSeconds(1), noop))
                    .isInstanceOf(InvalidLeaseNameException.class).hasMessageContaining("too long");
            assertThatThrownBy(() -> scheduler.scheduleAtFixedRate("zero", Duration.ZERO, noop))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> scheduler.scheduleWithFixedDelay("tiny", Duration.ofNanos(10), noop))
                    .isInstanceOf(IllegalArgumentException.class);
            scheduler.scheduleWithFixedDelay("dup", Duration.ofSeconds(1), noop);
            assertThatThrownBy(() -> scheduler.scheduleAtFixedRate("dup", Duration.ofSeconds(1), noop))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dup");
            assertThatThrownBy(() -> LeasedScheduler.builder(replica()).threads(0).build())
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> LeasedScheduler.builder(replica()).shutdownGrace(Duration.ofSeconds(-1)).build())
                    .isInstanceOf(IllegalArgumentException.class);

            scheduler.close();
            assertThatThrownBy(() -> scheduler.scheduleAtFixedRate("late", Duration.ofSeconds(1), noop))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    /** A test double of the lease SPI whose renewals can be made to fail, as if another holder took over. */
    private static final class RefusingBackend implements LeaseBackend {
        final AtomicBoolean refuseRenewals = new AtomicBoolean();
        private final AtomicLong tokens = new AtomicLong();

        @Override
        public OptionalLong acquire(String name, String owner, Duration ttl) {
            return OptionalLong.of(tokens.incrementAndGet());
        }

        @Override
        public boolean renew(String name, String owner, long token, Duration ttl) {
            return !refuseRenewals.get();
        }

        @Override
        public void release(String name, String owner, long token) {
        }

        @Override
        public String backendName() {
            return "refusing";
        }
    }
}
