package dev.exstate.memory;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.LeaseProviderContract;
import dev.exstate.time.ManualClock;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The in-memory lease provider, on a manual clock, passes the lease provider contract. Replicas
 * are built exactly as {@link InMemoryBackend#leaseProvider()} builds them, over a table this
 * test can also read directly.
 */
@DisplayName("in-memory LeaseProvider")
class MemoryLeaseProviderContractTest extends LeaseProviderContract {
    private ManualClock clock;
    private LeaseTable table;

    @BeforeEach
    void freshBackend() {
        clock = new ManualClock();
        table = new LeaseTable(clock);
    }

    @Override
    protected LeaseProvider newProvider() {
        return MemoryLeaseBackend.provider(table, clock);
    }

    @Override
    protected TimeControl time() {
        return TimeControl.manual(clock);
    }

    @Override
    protected boolean readsBackend() {
        return true;
    }

    @Override
    protected Optional<Long> storedToken(String name) {
        return boxed(table.holderToken(name));
    }

    @Override
    protected boolean readsTickRecords() {
        return true;
    }

    @Override
    protected Optional<Long> storedLastTick(String name) {
        return boxed(table.lastTick(name));
    }

    @Override
    protected LeaseBackend newBackend() {
        return new MemoryLeaseBackend(table);
    }

    private static Optional<Long> boxed(OptionalLong v) {
        return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty();
    }
}
