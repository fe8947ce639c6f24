package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.Session;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisSentinel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Redis providers reach their master through Redis Sentinel ({@code redis-sentinel://...#mymaster}). */
@DisplayName("Redis providers through Sentinel")
class RedisSentinelIT {
    private static RedisSentinel sentinel;
    private static RawRedis master;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private String app;
    private RedisKeys keys;

    @BeforeAll
    static void startSentinel() {
        sentinel = RedisSentinel.builder().start();
        master = RawRedis.standalone(sentinel.master().uri());
    }

    @AfterAll
    static void stopSentinel() throws Exception {
        master.close();
        sentinel.close();
    }

    @BeforeEach
    void namespace() {
        app = "sentinel-" + UUID.randomUUID().toString().substring(0, 8);
        keys = new RedisKeys("exstate", app);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
        closeAfter.clear();
    }

    private RedisState state() {
        RedisState state = RedisState.connect(RedisOptions.sentinel(sentinel.sentinelUri()).appName(app).guardPolicy(RedisTesting.PATIENT).build());
        closeAfter.add(state);
        return state;
    }

    private RedisSessionStore sessions(RedisState state) {
        RedisSessionStore store = state.sessionStore(SessionOptions.builder()
                .maxInactiveInterval(Duration.ofMinutes(5)).touchInterval(Duration.ofMinutes(1)).build());
        closeAfter.add(store);
        return store;
    }

    /** Connections the sentinel has accepted so far (Lettuce connects to it to look up the master). */
    private static long sentinelConnections() {
        String info = (String) sentinel.sentinel().call("INFO", "stats");
        for (String line : info.split("\\r?\\n")) {
            if (line.startsWith("total_connections_received:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("sentinel INFO stats has no total_connections_received: " + info);
    }

    @Test
    @DisplayName("the master is found through the sentinel and a session saved on one replica is seen by another")
    void sessionsThroughSentinel() {
        long before = sentinelConnections();
        RedisSessionStore a = sessions(state());
        // +1 is the INFO connection of sentinelConnections() itself
        assertThat(sentinelConnections()).as("connections the sentinel accepted").isGreaterThan(before + 1);
        RedisSessionStore b = sessions(state());

        Session s = a.create();
        s.putString("user", "alice");
        a.save(s);

        assertThat(master.commands().exists(keys.session(s.id()))).as("session key on the master").isEqualTo(1L);
        assertThat(a.find(s.id()).orElseThrow().getString("user")).contains("alice");
        Session seen = b.find(s.id()).orElseThrow();
        assertThat(seen.getString("user")).contains("alice");

        seen.putString("user", "bob");
        b.save(seen);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .until(() -> a.find(s.id()).orElseThrow().getString("user").orElseThrow().equals("bob"));
    }

    @Test
    @DisplayName("a lease acquired through the sentinel excludes other holders until it is released")
    void leaseThroughSentinel() {
        RedisLeaseProvider first = state().leaseProvider();
        closeAfter.add(first);
        RedisLeaseProvider second = state().leaseProvider();
        closeAfter.add(second);

        Lease lease = first.tryAcquire("report", Duration.ofSeconds(10)).orElseThrow();
        assertThat(lease.isValid()).isTrue();
        assertThat(master.leaseToken(keys, "report")).contains(lease.fencingToken());
        assertThat(second.tryAcquire("report", Duration.ofSeconds(10))).isEmpty();

        lease.release();

        Lease next = second.tryAcquire("report", Duration.ofSeconds(10)).orElseThrow();
        assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
        next.release();
    }

    @Test
    @DisplayName("readiness is UP once a provider is connected to the master found through the sentinel")
    void healthIsUp() {
        RedisState state = state();
        assertThat(state.health().health().status()).as("before any provider is open").isEqualTo(BackendHealth.Status.DOWN);

        sessions(state);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> state.health().health().status() == BackendHealth.Status.UP);
        assertThat(state.health().health().status()).isEqualTo(BackendHealth.Status.UP);
    }
}
