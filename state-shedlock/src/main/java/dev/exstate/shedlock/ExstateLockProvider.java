package dev.exstate.shedlock;

import dev.exstate.internal.lease.LeaseHandles;
import dev.exstate.lease.InvalidLeaseNameException;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ShedLock's {@link LockProvider} on an exstate {@link LeaseProvider} (Redis, etcd or in memory):
 * a service already on ShedLock switches by defining this one bean, and its locked code gains
 * the lock's fencing token ({@link #currentFencingToken()}).
 *
 * <p>What ShedLock's settings mean here:
 * <ul>
 *   <li>the lock {@code name} is the lease {@code <leasePrefix><name>} (prefix {@value #DEFAULT_LEASE_PREFIX}
 *       unless given); a name that is no valid lease name (blank, control characters, over 200
 *       characters with the prefix) fails {@link #lock} with an {@link InvalidLeaseNameException}
 *       naming it, before any call to the backend;</li>
 *   <li>{@code lockAtMostFor} is the lease's TTL, not renewed: a holder that dies (or runs longer)
 *       blocks the lock for at most that long, as with every ShedLock provider;</li>
 *   <li>{@code lockAtLeastFor}: {@link SimpleLock#unlock()} before {@code createdAt + lockAtLeastFor}
 *       keeps the lease and releases it when that time has come (read on the provider's clock,
 *       at least once a second), and closing the lease provider meanwhile does not release it; if
 *       this process dies first, the lease runs out at {@code lockAtMostFor} after it was taken.</li>
 * </ul>
 * Lock attempts never wait: a lock held elsewhere gives {@link Optional#empty()}. A backend that
 * cannot be asked throws {@link dev.exstate.guard.StateUnavailableException}; ShedLock then skips
 * the run. Extending a lock ({@code KeepAliveLockProvider}, {@code LockExtender}) is not supported.
 *
 * <p><b>Fencing token</b>: on the thread that called {@link #lock} (which is where ShedLock runs
 * the task), {@link #currentLock()} and {@link #currentFencingToken()} give the innermost lock
 * taken and not yet unlocked. Pass the token to what the task writes, and stop when
 * {@link ExstateLock#isValid()} turns false.
 *
 * <p>Thread-safe. {@link #close()} stops the timer that ends {@code lockAtLeastFor} holds (those
 * leases then run out at their TTL); it does not close the lease provider.
 */
public final class ExstateLockProvider implements LockProvider, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExstateLockProvider.class);
    /** Lease name prefix of every lock unless another is given. */
    public static final String DEFAULT_LEASE_PREFIX = "shedlock:";
    /** Longest single sleep of the timer that ends {@code lockAtLeastFor} holds: it reads the clock again after it. */
    static final Duration MAX_SLEEP = Duration.ofSeconds(1);

    private static final ThreadLocal<Deque<ExstateLock>> HELD = ThreadLocal.withInitial(ArrayDeque::new);

    private final LeaseProvider leases;
    private final String leasePrefix;
    private final StateClock clock;
    private final ScheduledThreadPoolExecutor timer;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Locks on {@code leases}, named {@code shedlock:<name>}. */
    public ExstateLockProvider(LeaseProvider leases) {
        this(leases, DEFAULT_LEASE_PREFIX);
    }

    /**
     * Locks on {@code leases}, named {@code <leasePrefix><name>}.
     *
     * @throws InvalidLeaseNameException if the prefix has control characters or leaves no room for a name
     */
    public ExstateLockProvider(LeaseProvider leases, String leasePrefix) {
        this(leases, leasePrefix, StateClock.system());
    }

    /** As {@link #ExstateLockProvider(LeaseProvider, String)}, reading {@code lockAtLeastFor} ends on {@code clock}. */
    public ExstateLockProvider(LeaseProvider leases, String leasePrefix, StateClock clock) {
        this.leases = Objects.requireNonNull(leases, "leases");
        this.leasePrefix = Objects.requireNonNull(leasePrefix, "leasePrefix");
        this.clock = Objects.requireNonNull(clock, "clock");
        // the prefix alone must leave room for a name
        LeaseHandles.checkName(leasePrefix + "x");
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "exstate-shedlock-release");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Takes the lock if no replica holds it; never waits.
     *
     * @return the lock (an {@link ExstateLock}), or empty if it is held
     * @throws InvalidLeaseNameException if the lock name makes no valid lease name
     * @throws IllegalArgumentException  if {@code lockAtMostFor} is under 1 ms or over {@link LeaseOptions#MAX_TTL}
     * @throws dev.exstate.guard.StateUnavailableException if the lease backend cannot be asked
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration configuration) {
        Objects.requireNonNull(configuration, "configuration");
        String leaseName = leaseName(configuration.getName());
        Duration atMost = configuration.getLockAtMostFor();
        if (atMost.compareTo(Duration.ofMillis(1)) < 0 || atMost.compareTo(LeaseOptions.MAX_TTL) > 0) {
            throw new IllegalArgumentException("ShedLock lock '" + configuration.getName() + "': lockAtMostFor must be "
                    + "between 1 ms and " + LeaseOptions.MAX_TTL.toDays() + " days (it is the lease TTL), was " + atMost);
        }
        LeaseOptions options = LeaseOptions.builder(atMost).autoRenew(false).build();
        Optional<Lease> lease;
        try {
            lease = leases.tryAcquire(leaseName, options);
        } catch (InvalidLeaseNameException e) {
            throw invalidName(configuration.getName(), e);
        }
        if (lease.isEmpty()) {
            return Optional.empty();
        }
        ExstateLock lock = new ExstateLock(this, configuration, lease.get());
        HELD.get().push(lock);
        return Optional.of(lock);
    }

    /** The innermost lock this thread took with an {@code ExstateLockProvider} and has not unlocked. */
    public static Optional<ExstateLock> currentLock() {
        Deque<ExstateLock> held = HELD.get();
        // a lock unlocked on another thread leaves its entry behind: dropped here
        while (!held.isEmpty() && held.peek().isUnlocked()) {
            held.pop();
        }
        if (held.isEmpty()) {
            HELD.remove();
            return Optional.empty();
        }
        return Optional.of(held.peek());
    }

    /** The fencing token of {@link #currentLock()}, or empty if this thread holds no such lock. */
    public static OptionalLong currentFencingToken() {
        return currentLock().map(l -> OptionalLong.of(l.fencingToken())).orElseGet(OptionalLong::empty);
    }

    /**
     * Stops the timer that ends {@code lockAtLeastFor} holds; leases still kept for it run out at
     * their TTL ({@code lockAtMostFor}). Does not close the lease provider. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            timer.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "ExstateLockProvider[leasePrefix=" + leasePrefix + ", " + leases.getClass().getSimpleName() + "]";
    }

    /** From {@link ExstateLock#unlock()}: release now, or when {@code lockAtLeastFor} has passed. */
    void unlocked(ExstateLock lock) {
        forgetOnThisThread(lock);
        Instant until = lock.configuration().getLockAtLeastUntil();
        if (!clock.now().isBefore(until)) {
            lock.lease().release();
            return;
        }
        if (!LeaseHandles.detach(lock.lease())) {
            // expired already, or a lease provider not built on exstate's LeaseManager: its close may release it early
            if (!lock.lease().isValid()) {
                return;
            }
        }
        releaseAt(lock, until);
    }

    private void releaseAt(ExstateLock lock, Instant until) {
        Duration left = Duration.between(clock.now(), until);
        if (left.isNegative() || left.isZero()) {
            lock.lease().release();
            return;
        }
        long sleepNanos = (left.compareTo(MAX_SLEEP) > 0 ? MAX_SLEEP : left).toNanos();
        try {
            timer.schedule(() -> releaseAt(lock, until), sleepNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("ShedLock lock '{}' kept until its lease runs out: this provider is closed", lock.name());
        }
    }

    private static void forgetOnThisThread(ExstateLock lock) {
        Deque<ExstateLock> held = HELD.get();
        for (Iterator<ExstateLock> it = held.iterator(); it.hasNext(); ) {
            if (it.next() == lock) {
                it.remove();
                break;
            }
        }
        if (held.isEmpty()) {
            HELD.remove();
        }
    }

    private String leaseName(String lockName) {
        Objects.requireNonNull(lockName, "lock name");
        if (lockName.isBlank()) {
            throw new InvalidLeaseNameException("ShedLock lock name is blank; give every @SchedulerLock a name");
        }
        return leasePrefix + lockName;
    }

    private InvalidLeaseNameException invalidName(String lockName, InvalidLeaseNameException e) {
        InvalidLeaseNameException mapped = new InvalidLeaseNameException("ShedLock lock name '"
                + printable(lockName) + "' makes no valid exstate lease name '" + printable(leasePrefix) + "...': "
                + e.getMessage() + "; choose a @SchedulerLock name of at most " + (200 - leasePrefix.length())
                + " printable characters");
        mapped.initCause(e);
        return mapped;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 80 ? b + "..." : b.toString();
    }
}
