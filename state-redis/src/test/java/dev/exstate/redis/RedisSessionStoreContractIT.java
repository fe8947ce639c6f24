package dev.exstate.redis;

import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.SessionStoreContract;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The session contract against one real redis-server. Each test gets its own key namespace (app
 * name) instead of its own server; every replica is a separate {@link RedisState} with its own
 * connection and near cache, as separate processes would have.
 */
@DisplayName("RedisSessionStore (standalone) satisfies the session contract")
class RedisSessionStoreContractIT extends SessionStoreContract {
    private static RedisServer redis;
    private static RawRedis raw;
    private RedisKeys keys;
    private String app;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.builder().start();
        raw = RawRedis.standalone(redis.uri());
    }

    @AfterAll
    static void stopRedis() throws Exception {
        raw.close();
        redis.close();
    }

    @BeforeEach
    void namespace() {
        app = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        keys = new RedisKeys("exstate", app);
    }

    @Override
    protected SessionStore newStore(SessionOptions options) {
        return RedisState.connect(redisOptions(redis.uri()).appName(app).build()).sessionStore(options);
    }

    /** The Redis options of every replica; subclasses run the contract in other modes. */
    protected RedisOptions.Builder redisOptions(String uri) {
        return RedisOptions.standalone(uri).guardPolicy(RedisTesting.PATIENT);
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
