package dev.exstate.redis;

import dev.exstate.guard.Guard;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.redis.internal.RedisConnector;
import dev.exstate.redis.internal.RedisLeaseBackend;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/** The lease contract against one real redis-server; each test has its own key namespace. */
@DisplayName("RedisLeaseProvider (standalone) satisfies the lease contract")
class RedisLeaseProviderContractIT extends LeaseProviderContract {
    private static RedisServer redis;
    private static RawRedis raw;
    private RedisKeys keys;
    private String app;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.builder().start();
        raw = RawRedis.standalone(redis.uri());
    }

    @AfterAll
    static void stopRedis() throws Exception {
        raw.close();
        redis.close();
    }

    @BeforeEach
    void namespace() {
        app = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        keys = new RedisKeys("exstate", app);
    }

    @Override
    protected LeaseProvider newProvider() {
        return RedisState.connect(options()).leaseProvider();
    }

    @Override
    protected LeaseBackend newBackend() {
        RedisOptions options = options();
        Guard guard = Guard.builder(RedisState.BACKEND).policy(options.guardPolicy()).build();
        RedisConnector connector = RedisConnector.connect(options, options.connectUris(), options.password(),
                keys.sessionInvalidations());
        return new RedisLeaseBackend(connector, keys, guard, () -> {
            connector.close();
            guard.close();
        });
    }

    private RedisOptions options() {
        return RedisOptions.standalone(redis.uri()).appName(app).guardPolicy(RedisTesting.PATIENT).build();
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
        return raw.leaseToken(keys, name);
    }

    @Override
    protected boolean readsTickRecords() {
        return true;
    }

    @Override
    protected Optional<Long> storedLastTick(String name) {
        return raw.leaseTick(keys, name);
    }
}
