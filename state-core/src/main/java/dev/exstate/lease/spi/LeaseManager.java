package dev.exstate.lease.spi;

import dev.exstate.internal.lease.LeaseEngine;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.time.StateClock;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * The generic {@link LeaseProvider} over a {@link LeaseBackend}: validates names, computes the
 * conservative local deadline (from the moment the request was sent, minus the safety margin),
 * renews in the background on one small scheduler thread, fires lost callbacks, and releases
 * everything on {@link #close()}. Providers construct or extend one of these rather than
 * re-implementing it (a provider that extends it only adds its name, its {@code toString} and any
 * accessors of its own; the lease operations stay these).
 *
 * <p>Thread-safe. {@link #tryAcquire} and {@link #tryClaimTick} block for one backend call and throw
 * {@link dev.exstate.lease.InvalidLeaseNameException} for a bad name, whatever the backend throws
 * (typically {@link dev.exstate.guard.StateUnavailableException}) and {@link IllegalStateException}
 * once closed. Background renewal runs on one daemon thread per manager
 * ({@code exstate-lease-renewer-N}); a failed renewal is retried every {@code renewEvery} until
 * the local deadline, when the lease is declared lost. Lost callbacks run on the thread that
 * notices the loss (usually that renewer thread), so they must be quick. The renewer's timers
 * run on real time: with a manual clock, {@link Lease#isValid()} follows the clock at once but
 * the callbacks fire only at the next renewal or deadline check, or on the next
 * {@link Lease#renew()} or {@link Lease#onLost} call.
 */
public class LeaseManager implements LeaseProvider {
    private final LeaseEngine engine;

    public LeaseManager(LeaseBackend backend, StateClock clock) {
        this.engine = new LeaseEngine(backend, clock);
    }

    @Override
    public final Optional<Lease> tryAcquire(String name, LeaseOptions options) {
        return engine.tryAcquire(name, options);
    }

    /** Validates the tick, then one {@link LeaseBackend#claimTick} call; otherwise as {@link #tryAcquire}. */
    @Override
    public final Optional<Lease> tryClaimTick(String name, long tick, LeaseOptions options) {
        return engine.tryClaimTick(name, tick, options);
    }

    /** Checks every name and the count, then {@link LeaseBackend#held} with the distinct names. */
    @Override
    public final Set<String> held(Collection<String> names) {
        return engine.held(names);
    }

    /** Releases every lease still held (failures are logged), stops the renewer, then closes the backend. Idempotent. */
    @Override
    public final void close() {
        engine.close();
    }
}
