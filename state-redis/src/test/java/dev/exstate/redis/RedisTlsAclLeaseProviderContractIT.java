package dev.exstate.redis;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease contract over mutual TLS with a private CA, as an ACL user with exactly the rule
 * {@code README.md} documents; the server's ACL LOG stays empty.
 */
@DisplayName("RedisLeaseProvider over TLS as an ACL user limited to its app satisfies the lease contract")
class RedisTlsAclLeaseProviderContractIT extends RedisLeaseContract {
    @RegisterExtension
    static final RedisFixture<SecuredRedis> redis = RedisFixture.secured("tls");
}
