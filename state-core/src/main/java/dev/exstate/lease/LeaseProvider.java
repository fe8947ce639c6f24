package dev.exstate.lease;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * Grants exclusive, expiring leases on names, shared by all replicas of a service.
 *
 * <p>What a user can rely on (checked by the testkit's {@code LeaseProviderContract}): at most
 * one valid holder per name at any time; fencing tokens per name strictly increase; a lease
 * not renewed expires after its TTL so a crashed holder never blocks others for long; a holder
 * learns it lost the lease through {@link Lease#isValid()} and {@link Lease#onLost}; a tick of a
 * name is claimed at most once ({@link #tryClaimTick}). Closing the provider releases every lease
 * it still holds.
 *
 * <p>Thread-safe. Remote implementations throw
 * {@link dev.exstate.guard.StateUnavailableException} when the backend cannot be asked, and
 * {@link dev.exstate.guard.StateDataException} when the backend holds something under a lease's
 * key that exstate did not write. Names and options are checked before any remote call
 * ({@link InvalidLeaseNameException}, {@link IllegalArgumentException}).
 */
public interface LeaseProvider extends AutoCloseable {

    /** Largest tick {@link #tryClaimTick} accepts: 2<sup>53</sup> - 1, the largest integer a double holds exactly. */
    long MAX_TICK = (1L << 53) - 1;

    /**
     * Acquires {@code name} if nobody holds it. Never waits for the current holder.
     *
     * @return the lease, or empty if another holder has it
     */
    Optional<Lease> tryAcquire(String name, LeaseOptions options);

    /** {@code tryAcquire(name, LeaseOptions.of(ttl))}: background renewal on. */
    default Optional<Lease> tryAcquire(String name, Duration ttl) {
        return tryAcquire(name, LeaseOptions.of(ttl));
    }

    /**
     * Takes the lease {@code name} to run tick {@code tick} of a periodic job, if nobody holds
     * {@code name} and no tick {@code >= tick} of {@code name} was claimed before, by any
     * replica. The backend keeps the last claimed tick of each name and advances it in the same
     * atomic step that takes the lease, so a tick is claimed at most once, however late a stalled
     * replica asks, and the fencing tokens of successful claims increase in tick order. The
     * record outlives the lease: releasing or losing the lease never makes its tick claimable
     * again. A refused claim changes nothing.
     *
     * <p>This is what the {@link LeasedScheduler}'s fixed-rate jobs run on; use it directly for
     * your own "at most once per period" work.
     *
     * @param tick between 0 and 2<sup>53</sup> - 1 (so that every backend stores it exactly)
     * @return the lease, or empty if another holder has {@code name} or the tick was already claimed
     * @throws IllegalArgumentException        if {@code tick} is out of range
     * @throws InvalidLeaseNameException       for a bad name
     * @throws UnsupportedOperationException  if this provider cannot record ticks (the default)
     */
    default Optional<Lease> tryClaimTick(String name, long tick, LeaseOptions options) {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement LeaseProvider.tryClaimTick, "
                + "which fixed-rate jobs of the LeasedScheduler need; build the provider on "
                + "dev.exstate.lease.spi.LeaseManager with a LeaseBackend that implements claimTick, or use fixed-delay jobs");
    }

    /** Most names {@link #held} accepts in one call. */
    int MAX_HELD_NAMES = 10_000;

    /**
     * Which of {@code names} some replica holds now, as the backend saw them in one read: a name is
     * held from a successful acquire until its release or its expiry <em>in the backend</em>, so a
     * lease whose holder crashed, or whose holder's local deadline has passed, still counts until
     * the backend's TTL ends. Takes, renews and releases nothing. One guarded read per 1,000 names
     * on Redis (an {@code MGET}; on Redis Cluster one per slot, and names of one family
     * {@code family@suffix} share a slot) and one per 64 names on etcd, where a {@link #tryAcquire}
     * that is refused costs three calls: this is how to watch many names cheaply, e.g. the members of a
     * {@link dev.exstate.budget.ConnectionBudget}. The answer is already old when it arrives:
     * use it to count and to pick names worth trying, never instead of acquiring.
     *
     * @param names at most {@link #MAX_HELD_NAMES} lease names, each checked as for {@link #tryAcquire}
     * @return the held ones among {@code names}; a new set the caller may keep
     * @throws InvalidLeaseNameException     for a bad name, before any remote call
     * @throws IllegalArgumentException       for more than {@link #MAX_HELD_NAMES} names
     * @throws UnsupportedOperationException if this provider cannot tell (the default); the
     *         in-memory, Redis and etcd providers can
     */
    default Set<String> held(Collection<String> names) {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement LeaseProvider.held, which "
                + "ConnectionBudget needs; build the provider on dev.exstate.lease.spi.LeaseManager with a LeaseBackend "
                + "that implements held");
    }

    /** Releases every lease this provider holds and stops renewal. Idempotent. */
    @Override
    void close();
}
