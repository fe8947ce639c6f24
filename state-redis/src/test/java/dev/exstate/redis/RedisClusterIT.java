package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.testkit.backend.RedisCluster;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a Redis Cluster adds: keys spread by hash tag, and client tracking on every master. */
@DisplayName("Redis providers on a 3-master cluster")
class RedisClusterIT {
    @RegisterExtension
    static final RedisFixture<RedisCluster> redis = RedisFixture.cluster("cluster");

    @Test
    @DisplayName("sessions spread over the masters, and a write on any master invalidates the other replica's cached copy")
    void trackingOnEveryMaster() {
        RedisState stateA = redis.state();
        RedisSessionStore a = redis.sessions(stateA);
        RedisSessionStore b = redis.sessions(redis.state());
        List<SessionId> ids = new ArrayList<>();
        Set<Integer> nodes = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            Session s = b.create(n -> n.putString("k", "old"));
            ids.add(s.id());
            nodes.add(redis.backend().nodes().indexOf(redis.backend().nodeForKey(redis.keys().session(s.id()))));
        }
        assertThat(nodes).as("masters holding the 30 sessions").hasSize(3);
        for (SessionId id : ids) {
            RedisSessionIT.cacheIt(a, id);
        }
        assertThat(stateA.health().health().status()).isEqualTo(BackendHealth.Status.UP);

        RedisSessionIT.rewriteAndAwait(b, a, ids);
    }

    @Test
    @DisplayName("a lease and its token counter share one slot, whatever braces the name holds")
    void leaseKeysShareASlot() {
        RedisLeaseProvider leases = redis.leases(redis.state());
        for (String name : List.of("report", "}", "{tag}", "a}b{c", "%7B")) {
            RedisServer node = redis.backend().nodeForKey(redis.keys().lease(name));
            assertThat(redis.backend().nodeForKey(redis.keys().leaseToken(name))).as(name).isSameAs(node);
            Lease lease = leases.tryAcquire(name, Duration.ofSeconds(5)).orElseThrow();
            assertThat(redis.raw().leaseToken(redis.keys(), name)).as(name).contains(lease.fencingToken());
            lease.release();
        }
        assertThat(redis.keys().lease("%7B")).isNotEqualTo(redis.keys().lease("{"));
    }
}
