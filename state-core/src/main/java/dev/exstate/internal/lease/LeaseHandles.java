package dev.exstate.internal.lease;

import dev.exstate.lease.Lease;

/**
 * Operations on leases handed out by exstate's providers that other exstate modules need and the
 * public {@link Lease} API does not offer. Not API, may change without notice.
 */
public final class LeaseHandles {
    private LeaseHandles() {
    }

    /**
     * Checks {@code name} as every lease provider does before any remote call.
     *
     * @throws dev.exstate.lease.InvalidLeaseNameException naming what is wrong
     */
    public static void checkName(String name) {
        LeaseNames.check(name);
    }

    /**
     * Stops renewing {@code lease} and takes it out of its provider's care: it stays taken in the
     * backend until {@link Lease#release()} or its TTL runs out, and closing the provider no
     * longer releases it (state-shedlock's {@code lockAtLeastFor} must outlive a shutdown).
     *
     * @return true if {@code lease} is one of exstate's and is still valid; false if it is not
     *         valid, or not exstate's (then nothing changed: closing its provider may release it)
     */
    public static boolean detach(Lease lease) {
        if (lease instanceof ManagedLease managed) {
            managed.detach();
            return managed.isValid();
        }
        return false;
    }
}
