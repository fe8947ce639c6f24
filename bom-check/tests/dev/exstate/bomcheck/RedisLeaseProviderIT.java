package dev.exstate.bomcheck;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.redis.RedisState;
import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.LeaseProviderContract;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease contract on this build's classpath against a real redis-server. */
@DisplayName("leases on Redis, with the BOM's versions")
class RedisLeaseProviderIT extends LeaseProviderContract {
    @RegisterExtension
    static final BackendFixture<RedisServer> redis = BackendFixture.of("bom", () -> RedisServer.builder().start());

    @Override
    protected LeaseProvider newProvider() {
        return RedisState.connect(Patience.redis(redis)).leaseProvider();
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }
}
