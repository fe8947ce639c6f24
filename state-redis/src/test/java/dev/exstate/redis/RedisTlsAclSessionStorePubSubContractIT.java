package dev.exstate.redis;

import org.junit.jupiter.api.DisplayName;

/**
 * The session contract over TLS as the documented ACL user, with the near cache invalidated by
 * pub/sub: the documented rule also covers the invalidation channel.
 */
@DisplayName("RedisSessionStore over TLS as an ACL user, pub/sub invalidation, satisfies the session contract")
class RedisTlsAclSessionStorePubSubContractIT extends RedisTlsAclSessionStoreContractIT {

    @Override
    protected RedisOptions.Builder redisOptions(RedisOptions.Builder secured) {
        return secured.invalidation(RedisOptions.InvalidationMode.PUBSUB);
    }
}
