package dev.exstate.redis;


import dev.exstate.testkit.backend.RedisSentinel;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Sentinel failover under load: a master with 2 replicas and 3 sentinels, two replicas of a
 * service writing sessions, bumping a counter one of them reads through its near cache, and
 * taking one lease, once with the default durability and once with {@code replicas(1)}. The
 * master is killed (SIGKILL) and the sentinels promote a replica. Figures are printed
 * ({@code [failover] sentinel ...}); the guarantees are asserted.
 */
@DisplayName("Sentinel failover under load")
class RedisSentinelFailoverIT {
    @RegisterExtension
    static final RedisFixture<RedisSentinel> redis = RedisFixture.sentinelWithReplicas("sentinel-failover");

    @Test
    @DisplayName("after SIGKILL of the master: service resumes, no acknowledged write is lost with replicas(1), tokens never go back, nothing stale is served as fresh")
    void masterKilledUnderLoad() throws InterruptedException {
        RedisSentinel sentinel = redis.backend();
        try (FailoverLoad load = new FailoverLoad(redis, key -> true, RedisDurability.async(), RedisDurability.replicas(1))) {
            load.start();
            Thread.sleep(2000);
            RedisServer old = sentinel.currentMaster();
            load.killing();
            long killed = System.nanoTime();
            old.kill();
            RedisServer promoted = sentinel.awaitFailover(old, Duration.ofSeconds(90));
            double promotion = (System.nanoTime() - killed) / 1e9;
            load.awaitRecovered();
            load.stop(Duration.ofSeconds(1));

            System.out.printf(Locale.ROOT, "[failover] sentinel: %s promoted %.1f s after SIGKILL of %s%n",
                    promoted.hostAndPort(), promotion, old.hostAndPort());
            load.print("sentinel");
            load.assertGuarantees();
        }
    }
}
