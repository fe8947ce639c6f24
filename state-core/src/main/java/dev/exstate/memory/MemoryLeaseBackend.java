package dev.exstate.memory;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.time.StateClock;

/** In-memory lease backend. TODO */
final class MemoryLeaseBackend {
    private MemoryLeaseBackend() {
    }

    static LeaseProvider provider(LeaseTable table, StateClock clock) {
        throw new UnsupportedOperationException("TODO");
    }
}
