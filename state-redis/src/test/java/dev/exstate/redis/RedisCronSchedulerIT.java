package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.LeasedJob;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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

    private static RedisServer redis;
    private static RawRedis raw;
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private String app;
    private RedisKeys keys;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.builder().start();
        raw = RawRedis.standalone(redis.uri());
    }

    @AfterAll
    static void stopRedis() throws Exception {
        raw.close();
        redis.close();
    }

    @BeforeEach
    void namespace() {
        app = "cron-" + UUID.randomUUID().toString().substring(0, 8);
        keys = new RedisKeys("exstate", app);
    }

    @AfterEach
    void closeAll() throws Exception {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
    }

    /** One replica: its own Redis connection and lease provider, and a scheduler on {@code clock}. */
    private LeasedScheduler replica(ManualClock clock) {
        RedisState state = RedisState.connect(RedisOptions.standalone(redis.uri()).appName(app).build());
        toClose.push(state);
        RedisLeaseProvider leases = state.leaseProvider();
        toClose.push(leases);
        LeasedScheduler scheduler = LeasedScheduler.builder(leases).clock(clock).shutdownGrace(Duration.ofSeconds(5)).build();
        toClose.push(scheduler);
        return scheduler;
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
            assertThat(raw.leaseTick(keys, "job:daily-report")).as("Redis's record of the last fire time run").contains(tick);
        }
        await().atMost(PATIENCE).pollInterval(POLL)
                .until(() -> jobs.stream().mapToLong(ScheduledJob::completedRuns).sum() == fireTimes.size());

        assertThat(ranBy.keySet()).containsExactlyInAnyOrderElementsOf(fireTimes.stream().map(Instant::toEpochMilli).toList());
        assertThat(ranBy).allSatisfy((tick, who) -> assertThat(who).as("runs of %s", Instant.ofEpochMilli(tick)).hasSize(1));
        assertThat(raw.leaseToken(keys, "job:daily-report")).as("the lease is released after each run").isEmpty();
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
