package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The lease contract over mutual TLS with a private CA, as an ACL user with exactly the rule
 * {@code README.md} documents; the server's ACL LOG stays empty.
 */
@DisplayName("RedisLeaseProvider over TLS as an ACL user limited to its app satisfies the lease contract")
class RedisTlsAclLeaseProviderContractIT extends LeaseProviderContract {
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
    protected LeaseProvider newProvider() {
        return RedisState.connect(redis.options(app, user, password).build()).leaseProvider();
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }

    @Override
    protected boolean readsBackend() {
        return true;
    }

    @Override
    protected Optional<Long> storedToken(String name) {
        return redis.admin.leaseToken(keys, name);
    }
}
