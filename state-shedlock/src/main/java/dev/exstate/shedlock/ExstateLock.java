package dev.exstate.shedlock;

import dev.exstate.lease.Lease;
import java.util.concurrent.atomic.AtomicBoolean;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock lock held through an exstate lease, as {@link ExstateLockProvider#lock} returns it
 * and {@link ExstateLockProvider#currentLock()} finds it: its {@linkplain #fencingToken() fencing
 * token} is what the locked code passes to whatever it writes, so a resource can refuse the late
 * writes of a holder whose lock ran out ({@code lockAtMostFor}) while another replica took it.
 *
 * <p>{@link #unlock()} honours {@code lockAtLeastFor} (see {@link ExstateLockProvider}); it is
 * idempotent and may be called from any thread. {@link #extend} is not supported (ShedLock's
 * default: {@link UnsupportedOperationException}). Thread-safe.
 */
public final class ExstateLock implements SimpleLock {
    private final ExstateLockProvider provider;
    private final LockConfiguration configuration;
    private final Lease lease;
    private final AtomicBoolean unlocked = new AtomicBoolean();

    ExstateLock(ExstateLockProvider provider, LockConfiguration configuration, Lease lease) {
        this.provider = provider;
        this.configuration = configuration;
        this.lease = lease;
    }

    /** The ShedLock lock name, as the task was configured with it. */
    public String name() {
        return configuration.getName();
    }

    /**
     * Strictly greater than the token of every earlier holder of this lock (on every replica):
     * the exstate lease's {@link Lease#fencingToken()}.
     */
    public long fencingToken() {
        return lease.fencingToken();
    }

    /**
     * True until {@link #unlock()}, or until the lease's conservative local deadline passes
     * ({@code lockAtMostFor} after it was taken, minus a safety margin): after that another
     * replica may hold the lock, so stop writing.
     */
    public boolean isValid() {
        return !unlocked.get() && lease.isValid();
    }

    /**
     * Releases the lock, or, if {@code lockAtLeastFor} has not passed yet, keeps it taken until
     * it has. Idempotent.
     */
    @Override
    public void unlock() {
        if (unlocked.compareAndSet(false, true)) {
            provider.unlocked(this);
        }
    }

    boolean isUnlocked() {
        return unlocked.get();
    }

    Lease lease() {
        return lease;
    }

    LockConfiguration configuration() {
        return configuration;
    }

    @Override
    public String toString() {
        return "ExstateLock[" + configuration.getName() + ", token=" + lease.fencingToken() + ", "
                + (isValid() ? "held" : "not held") + "]";
    }
}
