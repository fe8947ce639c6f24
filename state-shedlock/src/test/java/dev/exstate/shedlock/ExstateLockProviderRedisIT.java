package dev.exstate.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link ExstateLockProvider} as ShedLock's provider contract asks, on a real redis-server with two
 * replicas (two {@link RedisState} connections). Like ShedLock's
 * {@code AbstractLockProviderIntegrationTest}, locked and unlocked are read straight from Redis (the
 * lease key), not only from what the API returned. The end of {@code lockAtLeastFor} follows a
 * manual clock; only {@code lockAtMostFor}, which is Redis's own expiry, runs on real time.
 */
@DisplayName("ExstateLockProvider on a real Redis")
class ExstateLockProviderRedisIT {
    private static final Duration AT_MOST = Duration.ofMinutes(10);
    private static RedisServer redis;

    private final String app = "shedlock-" + UUID.randomUUID().toString().substring(0, 8);
    private final ManualClock clock = new ManualClock(Instant.now());
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.builder().start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        TestLocks.tearDown(closeAfter);
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20));
    }

    private ExstateLockProvider replica() {
        RedisState state = RedisState.connect(RedisOptions.standalone(redis.uri()).appName(app).build());
        closeAfter.add(state);
        var leases = state.leaseProvider();
        closeAfter.add(leases);
        ExstateLockProvider provider = new ExstateLockProvider(leases, ExstateLockProvider.DEFAULT_LEASE_PREFIX, clock);
        closeAfter.add(provider);
        return provider;
    }

    private LockConfiguration config(String name, Duration atMost, Duration atLeast) {
        return new LockConfiguration(clock.now(), name, atMost, atLeast);
    }

    private LockConfiguration config(String name) {
        return config(name, AT_MOST, Duration.ZERO);
    }

    private String leaseKey(String lockName) {
        return "exstate:" + app + ":lease:{shedlock:" + lockName + "}";
    }

    private boolean lockedInRedis(String lockName) {
        return ((Number) redis.call("EXISTS", leaseKey(lockName))).longValue() == 1;
    }

    @Test
    @DisplayName("a held lock is in Redis and refused to the other replica; after unlock it is gone and taken again with a greater token")
    void heldRefusedReleasedReacquired() {
        ExstateLockProvider a = replica();
        ExstateLockProvider b = replica();
        ExstateLock first = (ExstateLock) a.lock(config("report")).orElseThrow();
        assertThat(lockedInRedis("report")).isTrue();
        assertThat(b.lock(config("report"))).isEmpty();

        first.unlock();
        assertThat(lockedInRedis("report")).isFalse();
        ExstateLock second = (ExstateLock) b.lock(config("report")).orElseThrow();
        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(a.lock(config("report"))).isEmpty();
    }

    @Test
    @DisplayName("unlocked before lockAtLeastFor has passed, the lock stays in Redis until it has, then is removed")
    void lockAtLeastForHonoured() {
        ExstateLockProvider a = replica();
        ExstateLockProvider b = replica();
        SimpleLock lock = a.lock(config("nightly", AT_MOST, Duration.ofMinutes(5))).orElseThrow();
        clock.advance(Duration.ofSeconds(3));
        lock.unlock();

        assertThat(lockedInRedis("nightly")).isTrue();
        assertThat(b.lock(config("nightly"))).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        eventually().until(() -> !lockedInRedis("nightly"));
        assertThat(b.lock(config("nightly"))).isPresent();
    }

    @Test
    @DisplayName("a lock never unlocked is removed by Redis after lockAtMostFor, and the next holder's token is greater")
    void lockAtMostForIsRedisExpiry() {
        ExstateLockProvider a = replica();
        ExstateLockProvider b = replica();
        ExstateLock crashed = (ExstateLock) a.lock(config("sweep", Duration.ofSeconds(1), Duration.ZERO)).orElseThrow();
        assertThat(lockedInRedis("sweep")).isTrue();

        eventually().until(() -> !lockedInRedis("sweep"));
        ExstateLock next = (ExstateLock) b.lock(config("sweep")).orElseThrow();
        assertThat(next.fencingToken()).isGreaterThan(crashed.fencingToken());
        assertThat(crashed.isValid()).isFalse();
    }
}
