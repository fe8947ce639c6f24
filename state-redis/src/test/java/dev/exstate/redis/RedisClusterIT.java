package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisCluster;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a Redis Cluster adds: keys spread by hash tag, and client tracking on every master. */
@DisplayName("Redis providers on a 3-master cluster")
class RedisClusterIT {
    private static RedisCluster cluster;
    private static RawRedis raw;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private String app;
    private RedisKeys keys;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.builder().start();
        raw = RawRedis.cluster(cluster.uris());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        raw.close();
        cluster.close();
    }

    @BeforeEach
    void namespace() {
        app = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
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
        RedisState state = RedisState.connect(RedisOptions.cluster(cluster.uris()).appName(app).guardPolicy(RedisTesting.PATIENT).build());
        closeAfter.add(state);
        return state;
    }

    private RedisSessionStore sessions(RedisState state) {
        RedisSessionStore store = state.sessionStore(SessionOptions.builder()
                .maxInactiveInterval(Duration.ofMinutes(5)).touchInterval(Duration.ofMinutes(1)).build());
        closeAfter.add(store);
        return store;
    }

    @Test
    @DisplayName("sessions spread over the masters, and a write on any master invalidates the other replica's cached copy")
    void trackingOnEveryMaster() {
        RedisState stateA = state();
        RedisSessionStore a = sessions(stateA);
        RedisSessionStore b = sessions(state());
        List<SessionId> ids = new ArrayList<>();
        Set<Integer> nodes = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            Session s = b.create();
            s.putString("k", "old");
            b.save(s);
            ids.add(s.id());
            nodes.add(cluster.nodes().indexOf(cluster.nodeForKey(keys.session(s.id()))));
        }
        assertThat(nodes).as("masters holding the 30 sessions").hasSize(3);
        for (SessionId id : ids) {
            RedisSessionIT.cacheIt(a, id);
        }
        assertThat(stateA.health().health().status()).isEqualTo(BackendHealth.Status.UP);

        for (SessionId id : ids) {
            Session s = b.find(id).orElseThrow();
            s.putString("k", "new");
            b.save(s);
        }

        for (SessionId id : ids) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> a.find(id).orElseThrow().getString("k").orElseThrow().equals("new"));
        }
    }

    @Test
    @DisplayName("a lease and its token counter share one slot, whatever braces the name holds")
    void leaseKeysShareASlot() {
        RedisLeaseProvider leases = state().leaseProvider();
        closeAfter.add(leases);
        for (String name : List.of("report", "}", "{tag}", "a}b{c", "%7B")) {
            RedisServer node = cluster.nodeForKey(keys.lease(name));
            assertThat(cluster.nodeForKey(keys.leaseToken(name))).as(name).isSameAs(node);
            Lease lease = leases.tryAcquire(name, Duration.ofSeconds(5)).orElseThrow();
            assertThat(raw.leaseToken(keys, name)).as(name).contains(lease.fencingToken());
            lease.release();
        }
        assertThat(keys.lease("%7B")).isNotEqualTo(keys.lease("{"));
    }
}
