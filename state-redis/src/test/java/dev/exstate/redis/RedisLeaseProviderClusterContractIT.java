package dev.exstate.redis;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisCluster;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/** The lease contract against a 3-master Redis Cluster on loopback. */
@DisplayName("RedisLeaseProvider (3-master cluster) satisfies the lease contract")
class RedisLeaseProviderClusterContractIT extends LeaseProviderContract {
    private static RedisCluster cluster;
    private static RawRedis raw;
    private RedisKeys keys;
    private String app;

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
        app = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        keys = new RedisKeys("exstate", app);
    }

    @Override
    protected LeaseProvider newProvider() {
        return RedisState.connect(RedisOptions.cluster(cluster.uris()).appName(app).guardPolicy(RedisTesting.PATIENT).build()).leaseProvider();
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }

    @Override
    protected boolean readsBackend() {
        return true;
    }

    @Override
    protected Optional<Long> storedToken(String name) {
        return raw.leaseToken(keys, name);
    }

    @Override
    protected boolean readsTickRecords() {
        return true;
    }

    @Override
    protected Optional<Long> storedLastTick(String name) {
        return raw.leaseTick(keys, name);
    }
}
