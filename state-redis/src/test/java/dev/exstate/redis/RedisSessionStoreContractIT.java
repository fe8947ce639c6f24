package dev.exstate.redis;

import dev.exstate.testkit.backend.RedisServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The session contract against one real redis-server. */
@DisplayName("RedisSessionStore (standalone) satisfies the session contract")
class RedisSessionStoreContractIT extends RedisSessionContract {
    @RegisterExtension
    static final RedisFixture<RedisServer> redis = RedisFixture.standalone("contract");
}
