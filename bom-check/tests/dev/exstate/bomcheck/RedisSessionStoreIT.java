package dev.exstate.bomcheck;

import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.SessionStoreContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The session contract on this build's classpath against a real redis-server: Lettuce, Netty and
 * Reactor at the versions the imported BOMs chose. One server for the class, a key namespace per test.
 */
@DisplayName("sessions on Redis, with the BOM's versions")
class RedisSessionStoreIT extends SessionStoreContract {
    private static RedisServer redis;
    private String app;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.builder().start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void namespace() {
        app = "bom-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    protected SessionStore newStore(SessionOptions options) {
        return RedisState.connect(RedisOptions.standalone(redis.uri()).appName(app)
                .guardPolicy(Patience.POLICY).build()).sessionStore(options);
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }
}
