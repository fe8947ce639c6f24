package dev.exstate.redis;

import dev.exstate.testkit.backend.RedisCluster;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The session contract against a 3-master Redis Cluster on loopback. */
@DisplayName("RedisSessionStore (3-master cluster) satisfies the session contract")
class RedisSessionStoreClusterContractIT extends RedisSessionContract {
    @RegisterExtension
    static final RedisFixture<RedisCluster> redis = RedisFixture.cluster("contract");
}
