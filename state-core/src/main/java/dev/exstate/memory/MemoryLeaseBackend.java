package dev.exstate.memory;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.lease.spi.LeaseManager;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The {@link LeaseBackend} over an in-memory {@link LeaseTable}; expiry follows the table's
 * {@link StateClock}. Thread-safe, never blocks for long, never throws
 * {@link dev.exstate.guard.StateUnavailableException}.
 */
final class MemoryLeaseBackend implements LeaseBackend {
    private final LeaseTable table;

    MemoryLeaseBackend(LeaseTable table) {
        this.table = Objects.requireNonNull(table, "table");
    }

    /** One "replica": a lease provider over the shared {@code table}. */
    static LeaseProvider provider(LeaseTable table, StateClock clock) {
        return new LeaseManager(new MemoryLeaseBackend(table), clock);
    }

    @Override
    public OptionalLong acquire(String name, String owner, Duration ttl) {
        return table.acquire(name, owner, ttl);
    }

    @Override
    public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
        return table.claimTick(name, owner, tick, ttl);
    }

    @Override
    public boolean renew(String name, String owner, long token, Duration ttl) {
        return table.renew(name, owner, token, ttl);
    }

    @Override
    public void release(String name, String owner, long token) {
        table.release(name, owner, token);
    }

    @Override
    public Set<String> held(List<String> names) {
        return table.held(names);
    }

    @Override
    public String backendName() {
        return "memory";
    }
}
