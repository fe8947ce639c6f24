package dev.exstate.lease.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.lease.SchedulerStats;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link LeasedScheduler#stats()}: what each try of a tick came to. Ticks move with a manual
 * clock; the scheduler's timers run in real time, so the tests wait for each outcome, never for a
 * time. The lease backend's own failures come from the scripted SPI double.
 */
@DisplayName("LeasedScheduler.stats()")
class LeasedSchedulerStatsTest {
    private static final Duration PERIOD = Duration.ofMillis(100);

    private final ManualClock clock = new ManualClock();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5));
    }

    private LeasedScheduler scheduler(LeaseProvider leases) {
        closeAfter.add(leases);
        LeasedScheduler s = LeasedScheduler.builder(leases).clock(clock).leaseTtl(Duration.ofMillis(300)).build();
        closeAfter.add(s);
        return s;
    }

    @Test
    @DisplayName("a tick is counted as run on the replica that claimed it and as skipped on the other")
    void runAndSkippedAcrossTwoReplicas() {
        InMemoryBackend backend = InMemoryBackend.create(clock);
        LeasedScheduler a = scheduler(backend.leaseProvider());
        LeasedScheduler b = scheduler(backend.leaseProvider());
        ScheduledJob jobA = a.scheduleAtFixedRate("report", PERIOD, ctx -> { });
        ScheduledJob jobB = b.scheduleAtFixedRate("report", PERIOD, ctx -> { });

        eventually().until(() -> runs(a, b) == 1 && skipped(a, b) == 1);
        clock.advance(PERIOD);
        eventually().until(() -> runs(a, b) == 2 && skipped(a, b) == 2);

        assertThat(a.stats().runsCompleted()).isEqualTo(jobA.completedRuns());
        assertThat(a.stats().ticksSkipped()).isEqualTo(jobA.skippedTicks());
        assertThat(b.stats().runsCompleted()).isEqualTo(jobB.completedRuns());
        assertThat(b.stats().ticksSkipped()).isEqualTo(jobB.skippedTicks());
        for (SchedulerStats s : List.of(a.stats(), b.stats())) {
            assertThat(s.runsFailed()).isZero();
            assertThat(s.claimFailures()).isZero();
            assertThat(s.leasesLost()).isZero();
            assertThat(s.leasesHeld()).isZero();
        }
    }

    private static long runs(LeasedScheduler a, LeasedScheduler b) {
        return a.stats().runsCompleted() + b.stats().runsCompleted();
    }

    private static long skipped(LeasedScheduler a, LeasedScheduler b) {
        return a.stats().ticksSkipped() + b.stats().ticksSkipped();
    }

    @Test
    @DisplayName("a job running holds one lease; a job that throws is a failed run; counts survive cancelling the job")
    void heldAndFailed() throws Exception {
        LeasedScheduler s = scheduler(InMemoryBackend.create(clock).leaseProvider());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ScheduledJob slow = s.scheduleAtFixedRate("slow", PERIOD, ctx -> {
            running.countDown();
            finish.await();
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(s.stats().leasesHeld()).isEqualTo(1);
        finish.countDown();
        eventually().until(() -> s.stats().runsCompleted() == 1 && s.stats().leasesHeld() == 0);
        slow.cancel();

        s.scheduleAtFixedRate("broken", PERIOD, ctx -> {
            throw new IllegalStateException("job bug");
        });
        eventually().until(() -> s.stats().runsFailed() == 1);
        assertThat(s.stats().runsCompleted()).isEqualTo(1);
        assertThat(s.stats().leasesLost()).isZero();
    }

    @Test
    @DisplayName("a tick whose lease request fails is a claim failure, not a skipped tick")
    void claimFailure() {
        ScriptedLeaseBackend backend = new ScriptedLeaseBackend();
        backend.claimAnswer = ScriptedLeaseBackend.Answer.UNAVAILABLE;
        LeasedScheduler s = scheduler(new LeaseManager(backend, clock));
        s.scheduleAtFixedRate("report", PERIOD, ctx -> { });

        eventually().until(() -> s.stats().claimFailures() >= 1);
        assertThat(s.stats().ticksSkipped()).isZero();
        assertThat(s.stats().runsCompleted()).isZero();
    }

    @Test
    @DisplayName("a lease lost while the job runs is counted, and the interrupted run as failed")
    void leaseLost() throws Exception {
        ScriptedLeaseBackend backend = new ScriptedLeaseBackend();
        backend.renewAnswer = ScriptedLeaseBackend.Answer.NO;
        LeasedScheduler s = scheduler(new LeaseManager(backend, clock));
        CountDownLatch running = new CountDownLatch(1);
        s.scheduleAtFixedRate("report", PERIOD, ctx -> {
            running.countDown();
            Thread.sleep(60_000); // interrupted when the renewal is refused
        });
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();

        eventually().until(() -> s.stats().leasesLost() == 1 && s.stats().runsFailed() == 1);
        assertThat(s.stats().leasesHeld()).isZero();
        assertThat(s.stats().runsCompleted()).isZero();
    }
}
