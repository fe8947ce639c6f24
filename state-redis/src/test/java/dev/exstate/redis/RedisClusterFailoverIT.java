package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.testkit.backend.RedisCluster;
import dev.exstate.testkit.backend.RedisServer;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis Cluster failover under load: 3 masters with a replica each, two replicas of a service
 * writing sessions, bumping a counter one of them reads through its near cache, and taking one
 * lease (counter and lease on the master that fails), once with the default durability and once
 * with {@code replicas(1)}. One master is killed (SIGKILL), the cluster promotes its replica, and
 * the killed node is restarted (it rejoins as the new master's replica, which {@code replicas(1)}
 * needs on that shard). Figures are printed ({@code [failover] cluster ...}); the guarantees are
 * asserted.
 */
@DisplayName("Cluster failover under load")
class RedisClusterFailoverIT {
    @RegisterExtension
    static final RedisFixture<RedisCluster> redis = RedisFixture.clusterWithReplicas("cluster-failover");

    @Test
    @DisplayName("after SIGKILL of a master: service resumes, no acknowledged write is lost with replicas(1), tokens never go back, nothing stale is served as fresh")
    void masterKilledUnderLoad() throws InterruptedException {
        RedisCluster cluster = redis.backend();
        RedisServer victim = cluster.masters().get(0);
        Predicate<String> onVictim = slotsOf(victim);
        try (FailoverLoad load = new FailoverLoad(redis, onVictim, RedisDurability.async(), RedisDurability.replicas(1))) {
            load.start();
            Thread.sleep(2000);
            load.killing();
            long killed = System.nanoTime();
            victim.kill();
            String probe = probeKey(onVictim);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(25)).ignoreExceptions()
                    .until(() -> cluster.nodeForKey(probe) != victim);
            double promotion = (System.nanoTime() - killed) / 1e9;
            RedisServer promoted = cluster.nodeForKey(probe);
            victim.restart();
            double restarted = (System.nanoTime() - killed) / 1e9;
            load.awaitRecovered();
            load.stop(Duration.ofSeconds(1));

            System.out.printf(Locale.ROOT, "[failover] cluster: %s promoted %.1f s after SIGKILL of %s, which was restarted "
                    + "(as a replica) %.1f s after the kill%n", promoted.hostAndPort(), promotion, victim.hostAndPort(), restarted);
            load.print("cluster");
            load.assertGuarantees();
        }
    }

    /** Whether a key's slot is served by {@code master} now. */
    private static Predicate<String> slotsOf(RedisServer master) {
        List<long[]> ranges = new ArrayList<>();
        for (Object r : (List<?>) master.call("CLUSTER", "SLOTS")) {
            List<?> range = (List<?>) r;
            if ((Long) ((List<?>) range.get(2)).get(1) == master.port()) {
                ranges.add(new long[] {(Long) range.get(0), (Long) range.get(1)});
            }
        }
        assertThat(ranges).as("slot ranges of %s", master).isNotEmpty();
        return key -> {
            int slot = SlotHash.getSlot(key);
            return ranges.stream().anyMatch(rg -> rg[0] <= slot && slot <= rg[1]);
        };
    }

    private static String probeKey(Predicate<String> onVictim) {
        for (int i = 0; ; i++) {
            if (onVictim.test("probe-" + i)) {
                return "probe-" + i;
            }
        }
    }
}
