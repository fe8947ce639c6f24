package dev.exstate.redis;

import org.junit.jupiter.api.DisplayName;

/**
 * The session contract with the near cache invalidated by pub/sub instead of client tracking
 * (the fallback for servers without tracking), forced on a real redis-server.
 */
@DisplayName("RedisSessionStore (standalone, pub/sub invalidation) satisfies the session contract")
class RedisSessionStorePubSubContractIT extends RedisSessionStoreContractIT {

    @Override
    protected RedisOptions.Builder redisOptions(RedisOptions.Builder options) {
        return options.invalidation(RedisOptions.InvalidationMode.PUBSUB);
    }
}
