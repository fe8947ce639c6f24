package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.session.Session;
import dev.exstate.testkit.backend.RedisSentinel;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis providers reach their master through Redis Sentinel ({@code redis-sentinel://...#mymaster}). */
@DisplayName("Redis providers through Sentinel")
class RedisSentinelIT {
    @RegisterExtension
    static final RedisFixture<RedisSentinel> redis = RedisFixture.sentinel("sentinel");

    /** Connections the sentinel has accepted so far (Lettuce connects to it to look up the master). */
    private static long sentinelConnections() {
        String info = (String) redis.backend().sentinel().call("INFO", "stats");
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
        RedisSessionStore a = redis.sessions(redis.state());
        // +1 is the INFO connection of sentinelConnections() itself
        assertThat(sentinelConnections()).as("connections the sentinel accepted").isGreaterThan(before + 1);
        RedisSessionStore b = redis.sessions(redis.state());

        Session s = a.create(n -> n.putString("user", "alice"));

        assertThat(redis.raw().commands().exists(redis.keys().session(s.id()))).as("session key on the master").isEqualTo(1L);
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
        RedisLeaseProvider first = redis.leases(redis.state());
        RedisLeaseProvider second = redis.leases(redis.state());

        Lease lease = first.tryAcquire("report", Duration.ofSeconds(10)).orElseThrow();
        assertThat(lease.isValid()).isTrue();
        assertThat(redis.raw().leaseToken(redis.keys(), "report")).contains(lease.fencingToken());
        assertThat(second.tryAcquire("report", Duration.ofSeconds(10))).isEmpty();

        lease.release();

        Lease next = second.tryAcquire("report", Duration.ofSeconds(10)).orElseThrow();
        assertThat(next.fencingToken()).isGreaterThan(lease.fencingToken());
        next.release();
    }

    @Test
    @DisplayName("readiness is UP once a provider is connected to the master found through the sentinel")
    void healthIsUp() {
        RedisState state = redis.state();
        assertThat(state.health().health().status()).as("before any provider is open").isEqualTo(BackendHealth.Status.DOWN);

        redis.sessions(state);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> state.health().health().status() == BackendHealth.Status.UP);
        assertThat(state.health().health().status()).isEqualTo(BackendHealth.Status.UP);
    }
}
