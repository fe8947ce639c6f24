package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.SessionStoreContract;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The session contract over mutual TLS with a private CA, every replica logged in as an ACL user
 * that has exactly the rule {@code README.md} documents for its app: the contract holds, and the
 * server refused nothing (its ACL LOG stays empty), so no feature silently fell back.
 */
@DisplayName("RedisSessionStore over TLS as an ACL user limited to its app satisfies the session contract")
class RedisTlsAclSessionStoreContractIT extends SessionStoreContract {
    private static SecuredRedis redis;
    private RedisKeys keys;
    private String app;
    private String user;
    private String password;

    @BeforeAll
    static void startRedis() {
        redis = SecuredRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void appUser() {
        app = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        user = "replica-" + app;
        keys = new RedisKeys("exstate", app);
        password = redis.createAppUser(user, app);
        redis.resetAclLog();
    }

    @AfterEach
    void nothingWasRefused() {
        assertThat(redis.aclDenials()).as("ACL LOG of the replicas' user").isEmpty();
    }

    @Override
    protected SessionStore newStore(SessionOptions options) {
        RedisState state = RedisState.connect(redisOptions(redis.options(app, user, password)).build());
        RedisSessionStore store = state.sessionStore(options);
        assertThat(store.toString()).doesNotContain(password);
        return store;
    }

    /** The options of every replica; subclasses run the contract in other modes. */
    protected RedisOptions.Builder redisOptions(RedisOptions.Builder secured) {
        return secured;
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }

    @Override
    protected Optional<Map<String, byte[]>> storedAttributes(SessionId id) {
        return redis.admin.sessionAttributes(keys, id);
    }
}
