package dev.exstate.lease;

import java.time.Duration;

/**
 * Exclusive ownership of a name for a bounded time, held by one replica.
 *
 * <p>{@link #isValid()} is judged by a conservative local deadline on the monotonic clock:
 * it starts when the acquire (or renew) request was <em>sent</em>, not when the answer came, and
 * is shortened by a safety margin, so this replica stops believing it holds the lease before
 * the backend would let another replica take it. Work protected by a lease should pass
 * {@link #fencingToken()} to the resource it writes, so that a stale holder's late writes can be
 * refused there.
 *
 * <p>Thread-safe. {@link #close()} releases.
 */
public interface Lease extends AutoCloseable {

    /** The leased name. */
    String name();

    /**
     * Strictly greater than every token previously issued for this name, and for every name of
     * the same family: names of the form {@code family@suffix} share one token sequence (e.g.
     * {@code export@2026-11} and {@code export@2026-12}), so tokens increase across a family.
     * Leases from {@link LeaseProvider#tryClaimTick} increase in tick order.
     */
    long fencingToken();

    /** True until the local deadline passes, the lease is released, or it is known lost. */
    boolean isValid();

    /** Time left before the local deadline; zero when not valid. */
    Duration remaining();

    /**
     * Extends the lease by its TTL from now. Returns false (and fires the lost callbacks) if the
     * lease was already lost; throws {@link dev.exstate.guard.StateUnavailableException} if the
     * backend could not be asked, in which case the lease stays valid until its current deadline.
     */
    boolean renew();

    /** Gives the lease up so another replica may acquire it. Idempotent; never throws for a lost lease. */
    void release();

    /**
     * Calls {@code callback} once when this lease is lost: its deadline passed without a
     * successful renewal, a renewal found another holder, or the backend expired it. Not called on
     * {@link #release()}. If already lost, runs immediately.
     */
    void onLost(Runnable callback);

    /** Same as {@link #release()}. */
    @Override
    void close();
}
