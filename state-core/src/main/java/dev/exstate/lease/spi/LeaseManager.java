package dev.exstate.lease.spi;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.time.StateClock;
import java.util.Optional;

/**
 * The generic {@link LeaseProvider} over a {@link LeaseBackend}: validates names, computes the
 * conservative local deadline (from the moment the request was sent, minus the safety margin),
 * renews in the background on one small scheduler thread, fires lost callbacks, and releases
 * everything on {@link #close()}. Providers construct one of these rather than re-implementing it.
 */
public final class LeaseManager implements LeaseProvider {

    public LeaseManager(LeaseBackend backend, StateClock clock) {
    }

    @Override
    public Optional<Lease> tryAcquire(String name, LeaseOptions options) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() {
    }
}
