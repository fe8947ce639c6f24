package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The session contract over mutual TLS with a private CA, every replica logged in as an ACL user
 * that has exactly the rule {@code README.md} documents for its app: the contract holds, and the
 * server refused nothing (its ACL LOG stays empty), so no feature silently fell back.
 */
@DisplayName("RedisSessionStore over TLS as an ACL user limited to its app satisfies the session contract")
class RedisTlsAclSessionStoreContractIT extends RedisSessionContract {
    @RegisterExtension
    static final RedisFixture<SecuredRedis> redis = RedisFixture.secured("tls");

    @Override
    protected SessionStore newStore(SessionOptions options) {
        SessionStore store = super.newStore(options);
        assertThat(store.toString()).doesNotContain(redis.password());
        return store;
    }
}
