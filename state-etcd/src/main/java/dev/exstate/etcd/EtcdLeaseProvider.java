package dev.exstate.etcd;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.lease.spi.LeaseManager;
import dev.exstate.time.StateClock;

/**
 * A {@link LeaseProvider} on etcd leases; get one from {@link EtcdState}.
 *
 * <p>A lease is the key {@code <keyPrefix><app>/lease/<name>} holding a random owner id and
 * attached to an etcd lease with the requested TTL (whole seconds, rounded up; etcd raises it to
 * its own minimum of 1.5 × its election timeout). The fencing token is the key's create revision,
 * so tokens of a name strictly increase for the life of the etcd cluster. Renewal sends one
 * explicit keep-alive per renewal period (not jetcd's streaming keep-alive, which can stop
 * silently), and a holder's {@link Lease#isValid()} turns false by its local deadline, before etcd
 * lets another replica take the lease. Release deletes the key and revokes the etcd lease. A
 * tick claim ({@link #tryClaimTick}) is one transaction that also checks and advances the name's
 * last claimed tick, kept (without TTL) in {@code <keyPrefix><app>/lease-tick/<name>}.
 *
 * <p>Thread-safe. {@link #tryAcquire} and {@link #tryClaimTick} block for two guarded calls (a claim
 * that races another replica's very first claim of a name, up to four) and throw
 * {@link dev.exstate.guard.StateUnavailableException} when etcd cannot be asked.
 * {@link #close()} releases every lease still held and this provider's share of the etcd client.
 */
public final class EtcdLeaseProvider extends LeaseManager {
    private final String prefix;

    EtcdLeaseProvider(LeaseBackend backend, StateClock clock, String prefix) {
        super(backend, clock);
        this.prefix = prefix;
    }

    /** The etcd key prefix of this provider's leases, e.g. {@code /exstate/shop/lease/}. */
    public String prefix() {
        return prefix;
    }

    @Override
    public String toString() {
        return "EtcdLeaseProvider[" + prefix + "]";
    }
}
