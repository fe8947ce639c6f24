package dev.exstate.bomcheck;

import dev.exstate.redis.RedisState;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.SessionStoreContract;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The session contract on this build's classpath against a real redis-server: Lettuce, Netty and
 * Reactor at the versions the imported BOMs chose. One server for the class, a key namespace per test.
 */
@DisplayName("sessions on Redis, with the BOM's versions")
class RedisSessionStoreIT extends SessionStoreContract {
    @RegisterExtension
    static final BackendFixture<RedisServer> redis = BackendFixture.of("bom", () -> RedisServer.builder().start());

    @Override
    protected SessionStore newStore(SessionOptions options) {
        return RedisState.connect(Patience.redis(redis)).sessionStore(options);
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }
}
