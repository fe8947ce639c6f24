package dev.exstate.redis;

import dev.exstate.testkit.backend.RedisCluster;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease contract against a 3-master Redis Cluster on loopback. */
@DisplayName("RedisLeaseProvider (3-master cluster) satisfies the lease contract")
class RedisLeaseProviderClusterContractIT extends RedisLeaseContract {
    @RegisterExtension
    static final RedisFixture<RedisCluster> redis = RedisFixture.cluster("contract");
}
