package dev.exstate.redis;

import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.SessionStoreContract;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;

/**
 * The session contract on the Redis of a {@link RedisFixture}, read back through its raw
 * connection; each subclass registers the fixture of one setup, which JUnit hands in. Tests share
 * the server, each with its own key namespace (app name); every replica is a separate
 * {@link RedisState} with its own connection and near cache, as separate processes would have.
 */
abstract class RedisSessionContract extends SessionStoreContract {
    private RedisFixture<?> redis;

    @BeforeEach
    void fixture(RedisFixture<?> registered) {
        redis = registered;
    }

    /** The options of every replica; subclasses run the contract in other modes. */
    protected RedisOptions.Builder redisOptions(RedisOptions.Builder options) {
        return options;
    }

    @Override
    protected SessionStore newStore(SessionOptions options) {
        return RedisState.connect(redisOptions(redis.options()).build()).sessionStore(options);
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }

    @Override
    protected Optional<Map<String, byte[]>> storedAttributes(SessionId id) {
        return redis.raw().sessionAttributes(redis.keys(), id);
    }
}
