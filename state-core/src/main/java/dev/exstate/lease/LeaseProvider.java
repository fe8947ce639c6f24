package dev.exstate.lease;

import java.time.Duration;
import java.util.Optional;

/**
 * Grants exclusive, expiring leases on names, shared by all replicas of a service.
 *
 * <p>What a user can rely on (checked by the testkit's {@code LeaseProviderContract}): at most
 * one valid holder per name at any time; fencing tokens per name strictly increase; a lease
 * not renewed expires after its TTL so a crashed holder never blocks others for long; a holder
 * learns it lost the lease through {@link Lease#isValid()} and {@link Lease#onLost}. Closing the
 * provider releases every lease it still holds.
 *
 * <p>Thread-safe. Remote implementations throw
 * {@link dev.exstate.guard.StateUnavailableException} when the backend cannot be asked, and
 * {@link dev.exstate.guard.StateDataException} when the backend holds something under a lease's
 * key that exstate did not write. Names and options are checked before any remote call
 * ({@link InvalidLeaseNameException}, {@link IllegalArgumentException}).
 */
public interface LeaseProvider extends AutoCloseable {

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

    /** Releases every lease this provider holds and stops renewal. Idempotent. */
    @Override
    void close();
}
