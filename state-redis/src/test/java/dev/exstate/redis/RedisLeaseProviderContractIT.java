package dev.exstate.redis;

import dev.exstate.guard.Guard;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.redis.internal.RedisConnector;
import dev.exstate.redis.internal.RedisLeaseBackend;
import dev.exstate.testkit.backend.RedisServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease contract against one real redis-server, with the SPI backend's promises too. */
@DisplayName("RedisLeaseProvider (standalone) satisfies the lease contract")
class RedisLeaseProviderContractIT extends RedisLeaseContract {
    @RegisterExtension
    static final RedisFixture<RedisServer> redis = RedisFixture.standalone("contract");

    @Override
    protected LeaseBackend newBackend() {
        RedisOptions options = redis.options().build();
        Guard guard = Guard.builder(RedisState.BACKEND).policy(options.guardPolicy()).build();
        RedisConnector connector = RedisConnector.connect(options, options.connectUris(), options.password(),
                redis.keys().sessionInvalidations());
        return new RedisLeaseBackend(connector, redis.keys(), guard, () -> {
            connector.close();
            guard.close();
        });
    }
}
