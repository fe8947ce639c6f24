package dev.exstate.redis;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;

/**
 * The lease contract on the Redis of a {@link RedisFixture}, read back through its raw connection;
 * each subclass registers the fixture of one setup, which JUnit hands in. Every replica is a
 * separate {@link RedisState}.
 */
abstract class RedisLeaseContract extends LeaseProviderContract {
    private RedisFixture<?> redis;

    @BeforeEach
    void fixture(RedisFixture<?> registered) {
        redis = registered;
    }

    @Override
    protected LeaseProvider newProvider() {
        return RedisState.connect(redis.options().build()).leaseProvider();
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
        return redis.raw().leaseToken(redis.keys(), name);
    }

    @Override
    protected boolean readsTickRecords() {
        return true;
    }

    @Override
    protected Optional<Long> storedLastTick(String name) {
        return redis.raw().leaseTick(redis.keys(), name);
    }
}
