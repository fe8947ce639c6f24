package dev.exstate.redis;

import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisCluster;
import dev.exstate.testkit.contract.SessionStoreContract;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/** The session contract against a 3-master Redis Cluster on loopback. */
@DisplayName("RedisSessionStore (3-master cluster) satisfies the session contract")
class RedisSessionStoreClusterContractIT extends SessionStoreContract {
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
    protected SessionStore newStore(SessionOptions options) {
        return RedisState.connect(RedisOptions.cluster(cluster.uris()).appName(app).guardPolicy(RedisTesting.PATIENT).build()).sessionStore(options);
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }

    @Override
    protected Optional<Map<String, byte[]>> storedAttributes(SessionId id) {
        return raw.sessionAttributes(keys, id);
    }
}
