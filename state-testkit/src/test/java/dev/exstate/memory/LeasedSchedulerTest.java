package dev.exstate.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.InvalidLeaseNameException;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedJob;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.lease.spi.LeaseManager;
import dev.exstate.time.ManualClock;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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

    /** A scheduler on {@code clock}: ticks advance only as the test moves the clock. */
    private LeasedScheduler scheduler(LeaseProvider leases, StateClock clock) {
        LeasedScheduler s = LeasedScheduler.builder(leases).clock(clock).shutdownGrace(Duration.ofSeconds(5)).build();
        toClose.push(s);
        return s;
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

    private <T extends AutoCloseable> T track(T closeable) {
        toClose.push(closeable);
        return closeable;
    }

    private static void ranOn(Map<Long, List<String>> ranBy, long tick, String replica) {
        ranBy.computeIfAbsent(tick, t -> new CopyOnWriteArrayList<>()).add(replica);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(PATIENCE.toMillis() * 3, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the test never let the stalled replica go on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
        @DisplayName("two replicas on one backend run each tick at most once between them; ticks are epoch millis / period")
        void eachTickRunsAtMostOnce() {
            // Real time on purpose: at most once is a property of the backend's tick record, so no
            // scheduling delay can break it, and real ticks keep coming however slow the machine is.
            // (A manual clock moved by the test races with a replica deciding, right after a run,
            // which tick is next: a tick that begins during a run is skipped by design.)
            Duration period = Duration.ofMillis(50);
            Map<Long, AtomicInteger> runsPerTick = new ConcurrentHashMap<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            LeasedJob job = ctx -> {
                runsPerTick.computeIfAbsent(ctx.tick(), t -> new AtomicInteger()).incrementAndGet();
                threads.add(Thread.currentThread().getName() + (Thread.currentThread().isDaemon() ? "/daemon" : ""));
            };
            long before = System.currentTimeMillis() / period.toMillis();
            ScheduledJob onA = scheduler().scheduleAtFixedRate("report", period, job);
            ScheduledJob onB = scheduler().scheduleAtFixedRate("report", period, job);

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> runsPerTick.size() >= 15);
            onA.cancel();
            onB.cancel();
            // a run in progress when cancelled still finishes; then the counts stand still
            await().atMost(PATIENCE).pollInterval(POLL)
                    .until(() -> onA.completedRuns() + onB.completedRuns() == runsPerTick.size());
            long after = System.currentTimeMillis() / period.toMillis();

            Map<Long, AtomicInteger> runs = Map.copyOf(runsPerTick);
            assertThat(runs).allSatisfy((tick, n) -> assertThat(n).as("runs of tick %d", tick).hasValue(1));
            assertThat(runs.keySet()).as("ticks are epoch millis / period").allSatisfy(t -> assertThat(t).isBetween(before, after));
            assertThat(onA.completedRuns() + onB.completedRuns()).isEqualTo(runs.size());
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
            LeaseProvider other = replica();
            assertThat(other.tryClaimTick("job:graceful", tick.get(), LeaseOptions.of(Duration.ofSeconds(2))))
                    .as("the completed tick stays claimed").isEmpty();
            assertThat(other.tryAcquire("job:graceful", Duration.ofSeconds(2)))
                    .as("its lease was released: the backend's tick record, not the lease, keeps the tick").isPresent();
        }

        @Test
        @DisplayName("a replica that stalls before it claims a tick cannot run it once another replica has (manual clock)")
        void stalledReplicaCannotRunAClaimedTick() throws Exception {
            ManualClock clock = new ManualClock();
            LeaseTable table = new LeaseTable(clock);
            StallingBackend stalling = new StallingBackend(new MemoryLeaseBackend(table));
            Map<Long, List<String>> ranBy = new ConcurrentHashMap<>();
            Duration period = Duration.ofMillis(100);
            LeasedScheduler a = scheduler(track(new LeaseManager(stalling, clock)), clock);
            a.scheduleAtFixedRate("report", period, ctx -> ranOn(ranBy, ctx.tick(), "a"));
            assertThat(stalling.stalled.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("replica a is stalled in its claim").isTrue();
            long tick = clock.now().toEpochMilli() / period.toMillis();

            scheduler(track(MemoryLeaseBackend.provider(table, clock)), clock)
                    .scheduleAtFixedRate("report", period, ctx -> ranOn(ranBy, ctx.tick(), "b"));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ranBy.containsKey(tick));
            // far past the tick's end and any lease's TTL: only the backend's tick record still stands in a's way
            clock.advance(Duration.ofMinutes(1));
            stalling.resume.countDown();

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> stalling.answer.get() != null);
            assertThat(stalling.answer.get()).as("the stalled replica's late claim of tick %d", tick).isEmpty();
            assertThat(ranBy.get(tick)).as("runs of tick %d", tick).containsExactly("b");
            assertThat(ranBy).allSatisfy((t, who) -> assertThat(who).as("runs of tick %d", t).hasSize(1));
        }

        @Test
        @DisplayName("a job is not started when its lease ran out between the claim and the start (manual clock)")
        void jobIsNotStartedAfterItsLeaseRanOut() {
            ManualClock clock = new ManualClock();
            LeaseTable table = new LeaseTable(clock);
            AtomicLong stalledTick = new AtomicLong(-1);
            LeaseBackend slowReply = new DelegatingBackend(new MemoryLeaseBackend(table)) {
                @Override
                public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
                    OptionalLong token = super.claimTick(name, owner, tick, ttl);
                    if (stalledTick.compareAndSet(-1, tick)) {
                        // the replica pauses after the claim landed, for longer than the lease's TTL
                        clock.advance(ttl.multipliedBy(2));
                    }
                    return token;
                }
            };
            List<Long> ran = new CopyOnWriteArrayList<>();
            List<Boolean> validAtStart = new CopyOnWriteArrayList<>();
            ScheduledJob job = scheduler(track(new LeaseManager(slowReply, clock)), clock)
                    .scheduleAtFixedRate("report", Duration.ofMillis(100), ctx -> {
                        validAtStart.add(ctx.isLeaseValid());
                        ran.add(ctx.tick());
                    });

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> job.skippedTicks() >= 1);
            assertThat(ran).as("the tick whose lease ran out").doesNotContain(stalledTick.get());
            assertThat(job.completedRuns()).isZero();

            clock.advance(Duration.ofMillis(100));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> !ran.isEmpty());
            assertThat(ran).doesNotContain(stalledTick.get());
            assertThat(validAtStart).as("every job that started had a valid lease").containsOnly(true);
        }

        @Test
        @DisplayName("runs of one job never overlap across replicas, even when a run outlasts several periods")
        void longRunsDoNotOverlap() {
            List<long[]> runs = new CopyOnWriteArrayList<>();
            LeasedJob job = ctx -> {
                long start = System.nanoTime();
                Thread.sleep(250);
                runs.add(new long[] {ctx.tick(), start, System.nanoTime()});
            };
            ScheduledJob onA = scheduler().scheduleAtFixedRate("long", Duration.ofMillis(100), job);
            ScheduledJob onB = scheduler().scheduleAtFixedRate("long", Duration.ofMillis(100), job);

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> runs.size() >= 4);
            onA.cancel();
            onB.cancel();

            List<long[]> sorted = new ArrayList<>(runs);
            sorted.sort(Comparator.comparingLong(r -> r[1]));
            for (int i = 1; i < sorted.size(); i++) {
                assertThat(sorted.get(i)[1]).as("start of run %d after the end of run %d", i, i - 1)
                        .isGreaterThanOrEqualTo(sorted.get(i - 1)[2]);
                assertThat(sorted.get(i)[0]).as("tick of run %d", i).isGreaterThan(sorted.get(i - 1)[0]);
            }
            assertThat(onA.skippedTicks() + onB.skippedTicks()).isPositive();
        }

        @Test
        @DisplayName("a provider without tick claims gets a clear refusal: the fixed-rate job is cancelled, fixed delay still works")
        void providerWithoutTickClaims() {
            LeaseProvider real = replica();
            LeaseProvider legacy = new LeaseProvider() {
                @Override
                public Optional<Lease> tryAcquire(String name, LeaseOptions options) {
                    return real.tryAcquire(name, options);
                }

                @Override
                public void close() {
                }
            };
            LeasedScheduler scheduler = scheduler(legacy, Duration.ofSeconds(5));
            AtomicInteger fixedRateRuns = new AtomicInteger();
            AtomicInteger fixedDelayRuns = new AtomicInteger();
            scheduler.scheduleAtFixedRate("legacy", Duration.ofMillis(50), ctx -> fixedRateRuns.incrementAndGet());
            scheduler.scheduleWithFixedDelay("cleanup", Duration.ofMillis(50), ctx -> fixedDelayRuns.incrementAndGet());

            // cancelled jobs free their name on this scheduler
            await().atMost(PATIENCE).pollInterval(POLL).ignoreExceptions()
                    .until(() -> scheduler.scheduleAtFixedRate("legacy", Duration.ofMillis(50), ctx -> fixedRateRuns.incrementAndGet()) != null);
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> fixedDelayRuns.get() >= 2);
            assertThat(fixedRateRuns).hasValue(0);
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
    @DisplayName("cron (manual clock: the scheduler reads it at least once a second)")
    class Cron {
        private final ZoneId berlin = ZoneId.of("Europe/Berlin");

        @Test
        @DisplayName("two replicas run each fire time of '* * * * *' exactly once between them, with the fire time's epoch millis as tick")
        void eachFireTimeRunsOnce() {
            ManualClock clock = new ManualClock(Instant.parse("2026-01-05T08:00:30Z"));
            Map<Long, List<String>> ranBy = new ConcurrentHashMap<>();
            ScheduledJob onA = scheduler(replica(), clock).scheduleCron("minutely", "* * * * *", ZoneOffset.UTC,
                    ctx -> ranOn(ranBy, ctx.tick(), "a"));
            ScheduledJob onB = scheduler(replica(), clock).scheduleCron("minutely", "* * * * *", ZoneOffset.UTC,
                    ctx -> ranOn(ranBy, ctx.tick(), "b"));
            List<Long> expected = new ArrayList<>();
            // started 30 s after 08:00, which nobody ran yet: it is still run
            expected.add(Instant.parse("2026-01-05T08:00:00Z").toEpochMilli());
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ranBy.containsKey(expected.get(0)));

            for (int minute = 1; minute <= 8; minute++) {
                clock.advance(Duration.ofMinutes(1));
                long tick = Instant.parse("2026-01-05T08:00:00Z").plus(Duration.ofMinutes(minute)).toEpochMilli();
                expected.add(tick);
                await().atMost(PATIENCE).pollInterval(POLL).until(() -> ranBy.containsKey(tick));
            }
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> onA.completedRuns() + onB.completedRuns() == 9);

            assertThat(ranBy.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(ranBy).allSatisfy((tick, who) -> assertThat(who).as("runs of fire time %s", Instant.ofEpochMilli(tick))
                    .hasSize(1));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> onA.skippedTicks() + onB.skippedTicks() >= 1);
        }

        @Test
        @DisplayName("'0 6 * * *' in Europe/Berlin runs at 06:00 Berlin time (05:00Z in winter, 04:00Z in summer), not before")
        void runsAtLocalTimeInItsZone() {
            ManualClock clock = new ManualClock(Instant.parse("2026-03-28T04:59:10Z")); // 05:59:10 in Berlin
            List<Instant> ran = new CopyOnWriteArrayList<>();
            scheduler(replica(), clock).scheduleCron("daily-report", "0 6 * * *", berlin,
                    ctx -> ran.add(Instant.ofEpochMilli(ctx.tick())));
            scheduler(replica(), clock).scheduleCron("daily-report", "0 6 * * *", berlin,
                    ctx -> ran.add(Instant.ofEpochMilli(ctx.tick())));

            // passes at once on a slow machine; can only fail if a replica runs the job early
            await().during(Duration.ofMillis(1500)).atMost(PATIENCE).pollInterval(POLL).until(ran::isEmpty);
            clock.advance(Duration.ofSeconds(50)); // 06:00:00 Berlin
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ran.size() == 1);
            // the clocks go forward that night: the next 06:00 in Berlin is 23 hours later
            clock.advance(Duration.ofHours(23));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ran.size() == 2);

            assertThat(ran).containsExactly(Instant.parse("2026-03-28T05:00:00Z"), Instant.parse("2026-03-29T04:00:00Z"));
        }

        @Test
        @DisplayName("after a pause, missed fire times are skipped, never run as a backlog; one less than a minute late still runs")
        void missedFireTimesAreSkipped() {
            ManualClock clock = new ManualClock(Instant.parse("2026-01-05T00:00:20Z"));
            List<Instant> ran = new CopyOnWriteArrayList<>();
            ScheduledJob job = scheduler(replica(), clock).scheduleCron("sweep", "*/5 * * * *", ZoneOffset.UTC,
                    ctx -> ran.add(Instant.ofEpochMilli(ctx.tick())));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ran.size() == 1);

            // the replica (here: its clock) jumps 62 minutes: 12 fire times passed, the latest 2 min 20 s ago
            clock.advance(Duration.ofMinutes(62));
            await().during(Duration.ofMillis(1500)).atMost(PATIENCE).pollInterval(POLL).until(() -> ran.size() == 1);
            clock.advance(Duration.ofMinutes(3)); // 01:05:20
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ran.size() == 2);
            clock.advance(Duration.ofSeconds(330)); // 01:10:50, 50 s late for 01:10
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ran.size() == 3);

            assertThat(ran).containsExactly(Instant.parse("2026-01-05T00:00:00Z"), Instant.parse("2026-01-05T01:05:00Z"),
                    Instant.parse("2026-01-05T01:10:00Z"));
            assertThat(job.completedRuns()).isEqualTo(3);
        }

        @Test
        @DisplayName("a replica that stalls before it claims a fire time cannot run it once another replica has")
        void stalledReplicaCannotRunAClaimedFireTime() throws Exception {
            ManualClock clock = new ManualClock(Instant.parse("2026-01-05T06:00:05Z"));
            LeaseTable table = new LeaseTable(clock);
            StallingBackend stalling = new StallingBackend(new MemoryLeaseBackend(table));
            Map<Long, List<String>> ranBy = new ConcurrentHashMap<>();
            scheduler(track(new LeaseManager(stalling, clock)), clock)
                    .scheduleCron("report", "0 6 * * *", ZoneOffset.UTC, ctx -> ranOn(ranBy, ctx.tick(), "a"));
            assertThat(stalling.stalled.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("replica a is stalled in its claim").isTrue();
            long six = Instant.parse("2026-01-05T06:00:00Z").toEpochMilli();

            scheduler(track(MemoryLeaseBackend.provider(table, clock)), clock)
                    .scheduleCron("report", "0 6 * * *", ZoneOffset.UTC, ctx -> ranOn(ranBy, ctx.tick(), "b"));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ranBy.containsKey(six));
            clock.advance(Duration.ofSeconds(30)); // still within the minute a fire time may be run late
            stalling.resume.countDown();

            await().atMost(PATIENCE).pollInterval(POLL).until(() -> stalling.answer.get() != null);
            assertThat(stalling.answer.get()).as("the stalled replica's late claim of 06:00").isEmpty();
            assertThat(ranBy).containsOnlyKeys(six);
            assertThat(ranBy.get(six)).containsExactly("b");
        }

        @Test
        @DisplayName("a fixed-rate job can become a cron job under the same name: the fire-time ticks are larger")
        void fixedRateJobBecomesCron() {
            ManualClock clock = new ManualClock(Instant.parse("2026-01-05T07:59:30Z"));
            LeasedScheduler scheduler = scheduler(replica(), clock);
            List<Long> ticks = new CopyOnWriteArrayList<>();
            ScheduledJob fixed = scheduler.scheduleAtFixedRate("report", Duration.ofMinutes(1), ctx -> ticks.add(ctx.tick()));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ticks.size() == 1);
            fixed.cancel();

            scheduler.scheduleCron("report", "0 8 * * *", ZoneOffset.UTC, ctx -> ticks.add(ctx.tick()));
            clock.advance(Duration.ofSeconds(30));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ticks.size() == 2);

            assertThat(ticks).containsExactly(Instant.parse("2026-01-05T07:59:00Z").toEpochMilli() / 60_000,
                    Instant.parse("2026-01-05T08:00:00Z").toEpochMilli());
        }

        @Test
        @DisplayName("bad expressions, zones and names are refused before anything is scheduled")
        void badInputIsRefused() {
            LeasedScheduler scheduler = scheduler();
            LeasedJob noop = ctx -> { };
            assertThatThrownBy(() -> scheduler.scheduleCron("report", "0 6 * * * *", berlin, noop))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'0 6 * * * *'")
                    .hasMessageContaining("5 Unix cron fields");
            assertThatThrownBy(() -> scheduler.scheduleCron("report", "0 0 30 2 *", berlin, noop))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("never fires");
            assertThatThrownBy(() -> scheduler.scheduleCron("report", "0 6 * * *", null, noop))
                    .isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> scheduler.scheduleCron(" ", "0 6 * * *", berlin, noop))
                    .isInstanceOf(InvalidLeaseNameException.class);
            // nothing was registered by the refused calls: the name is free
            ScheduledJob job = scheduler.scheduleCron("report", "0 6 * * *", berlin, noop);
            assertThat(job.name()).isEqualTo("report");
            assertThatThrownBy(() -> scheduler.scheduleCron("report", "0 7 * * *", berlin, noop))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already scheduled");
            scheduler.close();
            assertThatThrownBy(() -> scheduler.scheduleCron("late", "0 6 * * *", berlin, noop))
                    .isInstanceOf(IllegalStateException.class);
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
            assertThatThrownBy(() -> scheduler.scheduleAtFixedRate("x".repeat(197), Duration.ofSeconds(1), noop))
                    .isInstanceOf(InvalidLeaseNameException.class).hasMessageContaining("too long");
            assertThat(scheduler.scheduleAtFixedRate("x".repeat(196), Duration.ofSeconds(1), noop).name()).hasSize(196);
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

        @Test
        @DisplayName("the fixed-rate lease TTL and renewal period are checked as they are set, naming the earlier setting")
        void leaseSettingsAreChecked() {
            LeasedScheduler.Builder b = LeasedScheduler.builder(replica());
            assertThatThrownBy(() -> b.leaseTtl(Duration.ofMillis(99))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("leaseTtl").hasMessageContaining("100 ms").hasMessageContaining("PT0.099S");
            assertThatThrownBy(() -> b.leaseTtl(Duration.ofHours(2))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 h");
            assertThatThrownBy(() -> b.leaseRenewEvery(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> b.leaseRenewEvery(Duration.ofSeconds(6))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("half of leaseTtl (PT10S)").hasMessageContaining("PT6S");
            b.leaseRenewEvery(Duration.ofSeconds(3));
            assertThatThrownBy(() -> b.leaseTtl(Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("already set to PT3S");
            assertThatThrownBy(() -> b.leaseTtl(null)).isInstanceOf(NullPointerException.class);

            LeasedScheduler ok = b.leaseTtl(Duration.ofSeconds(6)).build();
            toClose.push(ok);
            AtomicLong remaining = new AtomicLong();
            ok.scheduleAtFixedRate("ttl", Duration.ofMillis(50), ctx -> remaining.set(1));
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> remaining.get() == 1);
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
        public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
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

    /**
     * A replica's backend whose first tick claim stalls until {@link #resume} is counted down, like
     * a GC pause or SIGSTOP between computing the tick and asking for it; {@link #answer} is what
     * that late claim got.
     */
    private static final class StallingBackend extends DelegatingBackend {
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        final AtomicReference<OptionalLong> answer = new AtomicReference<>();
        private final AtomicBoolean stallOnce = new AtomicBoolean(true);

        StallingBackend(LeaseBackend delegate) {
            super(delegate);
        }

        @Override
        public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
            if (!stallOnce.getAndSet(false)) {
                return super.claimTick(name, owner, tick, ttl);
            }
            stalled.countDown();
            awaitLatch(resume);
            OptionalLong late = super.claimTick(name, owner, tick, ttl);
            answer.set(late);
            return late;
        }
    }

    /** Passes every call to {@code delegate}; tests override a method to stall or slow it. */
    private static class DelegatingBackend implements LeaseBackend {
        private final LeaseBackend delegate;

        DelegatingBackend(LeaseBackend delegate) {
            this.delegate = delegate;
        }

        @Override
        public OptionalLong acquire(String name, String owner, Duration ttl) {
            return delegate.acquire(name, owner, ttl);
        }

        @Override
        public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
            return delegate.claimTick(name, owner, tick, ttl);
        }

        @Override
        public boolean renew(String name, String owner, long token, Duration ttl) {
            return delegate.renew(name, owner, token, ttl);
        }

        @Override
        public void release(String name, String owner, long token) {
            delegate.release(name, owner, token);
        }

        @Override
        public String backendName() {
            return delegate.backendName();
        }
    }
}
