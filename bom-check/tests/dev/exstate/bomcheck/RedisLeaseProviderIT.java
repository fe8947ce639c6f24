package dev.exstate.bomcheck;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/** The lease contract on this build's classpath against a real redis-server. */
@DisplayName("leases on Redis, with the BOM's versions")
class RedisLeaseProviderIT extends LeaseProviderContract {
    private static RedisServer redis;
    private String app;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.builder().start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void namespace() {
        app = "bom-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    protected LeaseProvider newProvider() {
        return RedisState.connect(RedisOptions.standalone(redis.uri()).appName(app)
                .guardPolicy(Patience.POLICY).build()).leaseProvider();
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }
}
