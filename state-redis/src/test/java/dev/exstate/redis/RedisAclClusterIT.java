package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.lease.Lease;
import dev.exstate.session.Session;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisCluster;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A replica on a 3-master Redis Cluster as an ACL user with the rule {@code README.md} documents
 * plus its cluster line, created on every node: sessions and leases work and no node refused
 * anything (each node's {@code ACL LOG} stays empty).
 */
@DisplayName("Redis Cluster with the documented ACL user")
class RedisAclClusterIT {

    @Test
    @DisplayName("sessions and leases work on every node and no node refuses a command of the documented user")
    @SuppressWarnings("unchecked")
    void documentedAclIsEnoughOnACluster() {
        try (RedisCluster cluster = RedisCluster.builder().start()) {
            String app = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
            String user = "replica-" + app;
            String password = "pw-" + UUID.randomUUID();
            for (RedisServer node : cluster.nodes()) {
                node.call(SecuredRedis.documentedAcl(user, password, app).toArray(String[]::new));
                node.call(SecuredRedis.documentedClusterAcl(user).toArray(String[]::new));
                node.call("ACL", "LOG", "RESET");
            }
            try (RedisState state = RedisState.connect(RedisOptions.cluster(cluster.uris())
                    .credentials(user, password).appName(app).build())) {
                RedisSessionStore store = state.sessionStore(
                        SessionOptions.builder().maxInactiveInterval(Duration.ofMinutes(5)).build());
                List<Session> sessions = new ArrayList<>();
                // 30 sessions: every master holds some (a master misses all 30 with odds of about 1 in 60,000)
                for (int i = 0; i < 30; i++) {
                    Session s = store.create().putString("n", Integer.toString(i));
                    store.save(s);
                    sessions.add(s);
                }
                for (int i = 0; i < sessions.size(); i++) {
                    assertThat(store.find(sessions.get(i).id()).flatMap(s -> s.getString("n")))
                            .hasValue(Integer.toString(i));
                }
                Lease lease = state.leaseProvider().tryAcquire("job", Duration.ofSeconds(5)).orElseThrow();
                assertThat(lease.isValid()).isTrue();
                lease.release();
            }
            for (RedisServer node : cluster.nodes()) {
                assertThat((List<Object>) node.call("ACL", "LOG")).as("ACL LOG of " + node.hostAndPort()).isEmpty();
                assertThat((Long) node.call("DBSIZE")).as("keys on " + node.hostAndPort()).isPositive();
            }
        }
    }
}
