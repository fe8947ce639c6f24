package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.LeasedJob;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cron jobs of two schedulers over one real redis-server. Unix cron fires at most once a minute,
 * so the schedulers run on a shared manual clock that the test moves to each fire time (they
 * read it at least once a second); the leases and tick records are Redis's, on its own clock.
 */
@DisplayName("cron jobs on Redis leases")
class RedisCronSchedulerIT {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @RegisterExtension
    static final RedisFixture<RedisServer> redis = RedisFixture.standalone("cron");

    /** One replica: its own Redis connection and lease provider, and a scheduler on {@code clock}. */
    private LeasedScheduler replica(ManualClock clock) {
        RedisLeaseProvider leases = redis.leases(redis.state());
        return redis.closeAfter(LeasedScheduler.builder(leases).clock(clock).shutdownGrace(Duration.ofSeconds(5)).build());
    }

    @Test
    @DisplayName("two replicas run '0 6 * * *' in Europe/Berlin once per day between them, at 06:00 Berlin time, and Redis records the fire time")
    void dailyJobRunsOncePerFireTime() {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-26T04:59:30Z")); // 05:59:30 in Berlin
        Map<Long, List<String>> ranBy = new ConcurrentHashMap<>();
        List<ScheduledJob> jobs = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            LeasedJob job = ctx -> ranBy.computeIfAbsent(ctx.tick(), t -> new CopyOnWriteArrayList<>()).add(name);
            jobs.add(replica(clock).scheduleCron("daily-report", "0 6 * * *", BERLIN, job));
        }
        // 06:00 Berlin on four days, the last after the clocks went forward (UTC+2)
        List<Instant> fireTimes = List.of(Instant.parse("2026-03-26T05:00:00Z"), Instant.parse("2026-03-27T05:00:00Z"),
                Instant.parse("2026-03-28T05:00:00Z"), Instant.parse("2026-03-29T04:00:00Z"));

        Instant now = clock.now();
        for (Instant fire : fireTimes) {
            clock.advance(Duration.between(now, fire).plusSeconds(5));
            now = clock.now();
            long tick = fire.toEpochMilli();
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ranBy.containsKey(tick));
            assertThat(redis.raw().leaseTick(redis.keys(), "job:daily-report")).as("Redis's record of the last fire time run").contains(tick);
        }
        await().atMost(PATIENCE).pollInterval(POLL)
                .until(() -> jobs.stream().mapToLong(ScheduledJob::completedRuns).sum() == fireTimes.size());

        assertThat(ranBy.keySet()).containsExactlyInAnyOrderElementsOf(fireTimes.stream().map(Instant::toEpochMilli).toList());
        assertThat(ranBy).allSatisfy((tick, who) -> assertThat(who).as("runs of %s", Instant.ofEpochMilli(tick)).hasSize(1));
        assertThat(redis.raw().leaseToken(redis.keys(), "job:daily-report")).as("the lease is released after each run").isEmpty();
    }

    @Test
    @DisplayName("two replicas run each fire time of '*/5 * * * *' once over an hour; a replica that comes late is refused by Redis")
    void everyFiveMinutesOverAnHour() {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-05T09:59:50Z"));
        Map<Long, List<String>> ranBy = new ConcurrentHashMap<>();
        List<ScheduledJob> jobs = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            LeasedJob job = ctx -> ranBy.computeIfAbsent(ctx.tick(), t -> new CopyOnWriteArrayList<>()).add(name);
            jobs.add(replica(clock).scheduleCron("sweep", "*/5 * * * *", BERLIN, job));
        }

        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            clock.advance(i == 0 ? Duration.ofSeconds(20) : Duration.ofMinutes(5)); // 10 s after each fire time
            long tick = Instant.parse("2026-01-05T10:00:00Z").plus(Duration.ofMinutes(5L * i)).toEpochMilli();
            expected.add(tick);
            await().atMost(PATIENCE).pollInterval(POLL).until(() -> ranBy.containsKey(tick));
        }
        // a third replica joins 10 s after the last fire time, which it may still run: Redis says it ran already
        ScheduledJob late = replica(clock).scheduleCron("sweep", "*/5 * * * *", BERLIN,
                ctx -> ranBy.computeIfAbsent(ctx.tick(), t -> new CopyOnWriteArrayList<>()).add("late"));
        await().atMost(PATIENCE).pollInterval(POLL).until(() -> late.skippedTicks() == 1);

        assertThat(ranBy.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(ranBy).allSatisfy((tick, who) -> assertThat(who).as("runs of %s", Instant.ofEpochMilli(tick)).hasSize(1));
        assertThat(late.completedRuns()).isZero();
        await().atMost(PATIENCE).pollInterval(POLL)
                .until(() -> jobs.stream().mapToLong(ScheduledJob::completedRuns).sum() == expected.size());
    }
}
