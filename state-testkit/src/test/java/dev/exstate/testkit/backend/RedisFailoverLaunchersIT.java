package dev.exstate.testkit.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The replicated topologies: Sentinel with a master, 2 replicas and 3 sentinels, and a Cluster of
 * 3 masters + 3 replicas, each starting ready for a failover and promoting a replica when its
 * master is killed. Start-up and promotion times are printed ({@code [startup]}), never asserted.
 */
@DisplayName("Replicated Redis launchers promote a replica when the master is killed")
class RedisFailoverLaunchersIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    @DisplayName("Sentinel 1+2+3: every sentinel knows the replicas and each other; a killed master is replaced by a replica holding its data")
    void sentinelPromotesAReplica() {
        long t0 = System.nanoTime();
        try (RedisSentinel sentinel = RedisSentinel.builder().replicas(2).sentinels(3).start()) {
            double startup = seconds(t0);
            assertThat(sentinel.replicas()).hasSize(2);
            assertThat(sentinel.sentinels()).hasSize(3);
            assertThat(sentinel.sentinelUri()).startsWith("redis-sentinel://").contains(",").endsWith("#mymaster");
            assertThat(sentinel.currentMaster()).isSameAs(sentinel.master());
            assertThat(sentinel.replicas()).allSatisfy(r -> assertThat(RedisSentinel.role(r)).isEqualTo("slave"));
            try (RespConnection conn = sentinel.master().connect()) {
                conn.call("SET", "k", "v");
                assertThat(conn.call("WAIT", "2", "10000")).isEqualTo(2L);
            }

            long killed = System.nanoTime();
            sentinel.master().kill();
            RedisServer promoted = sentinel.awaitFailover(sentinel.master(), PATIENCE);
            double failover = seconds(killed);

            assertThat(sentinel.replicas()).contains(promoted);
            assertThat(promoted.call("GET", "k")).isEqualTo("v");
            RedisServer other = sentinel.replicas().stream().filter(r -> r != promoted).findFirst().orElseThrow();
            // the sentinels re-point the other replica at the new master
            await().atMost(PATIENCE).until(() -> ((String) other.call("INFO", "replication"))
                    .contains("master_port:" + promoted.port()));
            System.out.printf(Locale.ROOT, "[startup] sentinel 1 master + 2 replicas + 3 sentinels: started in %.1f s, "
                    + "replica promoted %.1f s after SIGKILL of the master%n", startup, failover);
        }
    }

    @Test
    @DisplayName("Cluster 3+3: each master has a linked replica; a killed master's slots move to its replica, and it rejoins as a replica")
    void clusterPromotesAReplica() {
        long t0 = System.nanoTime();
        try (RedisCluster cluster = RedisCluster.builder().replicasPerMaster(1).start()) {
            double startup = seconds(t0);
            assertThat(cluster.nodes()).hasSize(6);
            assertThat(cluster.masters()).hasSize(3);
            assertThat(cluster.replicas()).hasSize(3);
            RedisServer owner = cluster.nodeForKey("k");
            try (RespConnection conn = owner.connect()) {
                conn.call("SET", "k", "v");
                assertThat(conn.call("WAIT", "1", "10000")).isEqualTo(1L);
            }

            long killed = System.nanoTime();
            owner.kill();
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(25)).until(() -> {
                try {
                    return cluster.nodeForKey("k") != owner;
                } catch (IllegalStateException e) {
                    return false;
                }
            });
            double failover = seconds(killed);
            RedisServer promoted = cluster.nodeForKey("k");
            assertThat(promoted.call("GET", "k")).isEqualTo("v");
            cluster.awaitClusterOk(PATIENCE);

            owner.restart();
            cluster.awaitClusterOk(PATIENCE);
            cluster.awaitReplicasLinked(PATIENCE);
            assertThat(RedisSentinel.role(owner)).isEqualTo("slave");
            assertThat(cluster.nodeForKey("k")).isSameAs(promoted);
            System.out.printf(Locale.ROOT, "[startup] cluster 3 masters + 3 replicas: started in %.1f s, "
                    + "replica promoted %.1f s after SIGKILL of a master%n", startup, failover);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
