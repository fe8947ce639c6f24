package dev.exstate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.memory.InMemoryBackend;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link LeasedScheduler#schedule(String, FireTimes, LeasedJob)}: fire times computed by the caller
 * (here: every 10 seconds), run once per fire time across replicas. Time moves with a manual
 * clock that the scheduler reads at least once a second; the tests wait for outcomes, never for a time.
 */
@DisplayName("LeasedScheduler.schedule with FireTimes")
class LeasedSchedulerFireTimesTest {
    private static final Instant START = Instant.parse("2026-01-05T08:00:05Z");
    /** Every 10 s, on the epoch's 10-second boundaries. */
    private static final FireTimes EVERY_10_S = new FireTimes() {
        @Override
        public Optional<Instant> next(Instant after) {
            return Optional.of(Instant.ofEpochSecond((after.getEpochSecond() / 10 + 1) * 10));
        }

        @Override
        public String toString() {
            return "every 10 s";
        }
    };

    private final ManualClock clock = new ManualClock(START);
    private final InMemoryBackend backend = InMemoryBackend.create(clock);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10));
    }

    private LeasedScheduler replica() {
        LeaseProvider leases = backend.leaseProvider();
        closeAfter.add(leases);
        LeasedScheduler s = LeasedScheduler.builder(leases).clock(clock).build();
        closeAfter.add(s);
        return s;
    }

    @Test
    @DisplayName("two replicas run each fire time exactly once between them, the tick being its epoch millis, tokens rising in tick order")
    void eachFireTimeRunsOnceAcrossReplicas() {
        Map<Long, List<Long>> tokensByTick = new ConcurrentHashMap<>();
        LeasedJob job = ctx -> tokensByTick.computeIfAbsent(ctx.tick(), t -> new CopyOnWriteArrayList<>())
                .add(ctx.fencingToken());
        ScheduledJob a = replica().schedule("sweep", EVERY_10_S, job);
        ScheduledJob b = replica().schedule("sweep", EVERY_10_S, job);
        // 08:00:00 is 5 s old at start: still run (within a minute), like a cron fire time
        List<Long> expected = new ArrayList<>();
        expected.add(Instant.parse("2026-01-05T08:00:00Z").toEpochMilli());
        eventually().until(() -> tokensByTick.containsKey(expected.get(0)));
        for (int i = 1; i <= 5; i++) {
            clock.advance(Duration.ofSeconds(10));
            long tick = Instant.parse("2026-01-05T08:00:00Z").plusSeconds(10L * i).toEpochMilli();
            expected.add(tick);
            eventually().until(() -> tokensByTick.containsKey(tick));
        }
        eventually().until(() -> a.completedRuns() + b.completedRuns() == 6);

        assertThat(tokensByTick.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(tokensByTick.values()).allSatisfy(tokens -> assertThat(tokens).hasSize(1));
        List<Long> tokensInTickOrder = expected.stream().map(t -> tokensByTick.get(t).get(0)).toList();
        assertThat(tokensInTickOrder).isSorted().doesNotHaveDuplicates();
    }

    @Test
    @DisplayName("a schedule without a fire time after now, or one that throws, is refused when scheduled, naming the job")
    void scheduleThatNeverFiresIsRefused() {
        LeasedScheduler s = replica();
        assertThatThrownBy(() -> s.schedule("never", after -> Optional.empty(), ctx -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'never'")
                .hasMessageContaining("never run");
        assertThatThrownBy(() -> s.schedule("past", after -> Optional.of(after.minusSeconds(1)), ctx -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'past'");
        assertThatThrownBy(() -> s.schedule("broken", after -> { throw new IllegalStateException("bad calendar"); },
                ctx -> { })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad calendar");
        assertThatThrownBy(() -> s.schedule(" ", EVERY_10_S, ctx -> { })).isInstanceOf(InvalidLeaseNameException.class);
    }

    @Test
    @DisplayName("a schedule whose answer stops advancing ends: no fire time runs twice on one replica")
    void scheduleThatStopsAdvancingEnds() {
        Instant stuck = Instant.parse("2026-01-05T08:00:10Z");
        List<Long> ticks = new CopyOnWriteArrayList<>();
        replica().schedule("stuck", after -> Optional.of(after.isBefore(stuck) ? stuck : after), ctx -> ticks.add(ctx.tick()));
        clock.advance(Duration.ofSeconds(5));
        eventually().until(() -> ticks.size() == 1);
        clock.advance(Duration.ofSeconds(20));
        // passes at once on a slow machine; fails only if the stuck fire time is run again
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(60)).until(() -> ticks.size() == 1);
        assertThat(ticks).containsExactly(stuck.toEpochMilli());
    }
}
