package dev.exstate.internal.lease;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One acquisition of a lease, as handed out by {@link LeaseEngine}. Not API.
 *
 * <p>Validity is judged by the {@link StateClock} at call time against a local deadline
 * ({@code sentAt + ttl - safetyMargin}). A timer on the manager's renewer thread renews the lease
 * (if auto-renew is on) and watches the deadline; the lost callbacks fire on whichever thread
 * notices the loss first: the renewer (a refused renewal, or a check at the deadline), or a caller of
 * {@link #renew()} / {@link #onLost}. The timer runs on real time: with a manual clock the watchdog
 * notices a deadline that the clock jumped past only at its next scheduled check (at most
 * {@code renewEvery} later for auto-renewed leases), while {@link #isValid()} turns false at once.
 */
final class ManagedLease implements Lease {
    private static final Logger log = LoggerFactory.getLogger(ManagedLease.class);

    private enum State { HELD, RELEASED, LOST }

    private final String name;
    private final String owner;
    private final long token;
    private final LeaseOptions options;
    private final long ttlNanos;
    private final long marginNanos;
    private final long renewEveryNanos;
    private final LeaseBackend backend;
    private final StateClock clock;
    private final ScheduledExecutorService timer;
    private final ScheduledExecutorService watchdog;
    private final Consumer<ManagedLease> forget;

    private final Object lock = new Object();
    // written under lock; volatile so that isValid() needs no lock
    private volatile State state = State.HELD;
    private volatile long deadline;
    // guarded by lock
    private boolean autoRenew;
    private boolean watched = true;
    private boolean releaseSent;
    private ScheduledFuture<?> next;
    private ScheduledFuture<?> deadlineCheck;
    private List<Runnable> callbacks = new ArrayList<>();

    ManagedLease(String name, String owner, long token, long sentAtNanos, LeaseOptions options,
                 LeaseBackend backend, StateClock clock, ScheduledExecutorService timer, ScheduledExecutorService watchdog,
                 Consumer<ManagedLease> forget) {
        this.name = name;
        this.owner = owner;
        this.token = token;
        this.options = options;
        this.ttlNanos = nanos(options.ttl());
        this.marginNanos = nanos(options.safetyMargin());
        this.renewEveryNanos = Math.max(1, nanos(options.renewEvery()));
        this.backend = backend;
        this.clock = clock;
        this.timer = timer;
        this.watchdog = watchdog;
        this.forget = forget;
        this.autoRenew = options.autoRenew();
        this.deadline = sentAtNanos + ttlNanos - marginNanos;
    }

    /** Starts background renewal (if configured) and the deadline watchdog. */
    void start() {
        scheduleNext();
        scheduleDeadlineCheck();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long fencingToken() {
        return token;
    }

    @Override
    public boolean isValid() {
        return state == State.HELD && clock.nanoTime() - deadline < 0;
    }

    @Override
    public Duration remaining() {
        if (state != State.HELD) {
            return Duration.ZERO;
        }
        long left = deadline - clock.nanoTime();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    @Override
    public boolean renew() {
        if (state != State.HELD) {
            return false;
        }
        if (deadlinePassed()) {
            markLost("its deadline passed without a successful renewal");
            return false;
        }
        long sentAt = clock.nanoTime();
        boolean renewed = backend.renew(name, owner, token, options.ttl());
        if (!renewed) {
            markLost("the " + backend.backendName() + " backend refused the renewal: the lease expired there or another holder has it");
            return false;
        }
        boolean lostMeanwhile;
        synchronized (lock) {
            if (state == State.HELD) {
                long newDeadline = sentAt + ttlNanos - marginNanos;
                if (newDeadline - deadline > 0) {
                    deadline = newDeadline;
                }
                return true;
            }
            lostMeanwhile = state == State.LOST;
        }
        if (lostMeanwhile) {
            // the answer came after the local deadline: the lease is already declared lost, so hand it back
            releaseInBackend();
        }
        return false;
    }

    @Override
    public void release() {
        synchronized (lock) {
            if (releaseSent) {
                return;
            }
            releaseSent = true;
            if (state == State.HELD) {
                state = State.RELEASED;
            }
            stopTimerLocked();
            callbacks = List.of();
        }
        forget.accept(this);
        releaseInBackend();
    }

    @Override
    public void onLost(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        if (state == State.HELD && deadlinePassed()) {
            markLost("its deadline passed without a successful renewal");
        }
        synchronized (lock) {
            if (state == State.HELD) {
                callbacks.add(callback);
                return;
            }
            if (state == State.RELEASED) {
                return;
            }
        }
        runCallback(callback);
    }

    @Override
    public void close() {
        release();
    }

    /**
     * Stops background renewal and the watchdog, and takes the lease out of its manager's care:
     * the manager's close no longer releases it, it simply expires in the backend. Used by the
     * scheduler's fixed-delay jobs, whose lease must stay taken for the delay after a run.
     */
    void detach() {
        synchronized (lock) {
            autoRenew = false;
            watched = false;
            stopTimerLocked();
        }
        forget.accept(this);
    }

    @Override
    public String toString() {
        // never the owner id: it is what lets a holder renew or release
        return "Lease[name=" + name + ", token=" + token + ", " + (isValid() ? "valid" : "not valid") + "]";
    }

    private void tick() {
        boolean renewNow;
        synchronized (lock) {
            next = null;
            if (state != State.HELD || !watched) {
                return;
            }
            renewNow = autoRenew;
        }
        if (deadlinePassed()) {
            markLost("its deadline passed without a successful renewal");
            return;
        }
        if (renewNow) {
            try {
                renew();
            } catch (RuntimeException e) {
                // retried at the next tick; the watchdog declares the lease lost if the deadline passes first
                log.warn("{}: renewing lease '{}' failed, retrying within {} ms: {}", backend.backendName(), name,
                        TimeUnit.NANOSECONDS.toMillis(renewEveryNanos), e.toString());
            }
        }
        scheduleNext();
    }

    private void scheduleNext() {
        synchronized (lock) {
            if (state != State.HELD || !watched || next != null) {
                return;
            }
            long untilDeadline = Math.max(0, deadline - clock.nanoTime());
            long delay = autoRenew ? Math.min(renewEveryNanos, untilDeadline) : untilDeadline;
            try {
                next = timer.schedule(this::tick, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the manager is closing: it releases this lease itself
            }
        }
    }

    /*
     * The deadline is watched on its own thread, which never does I/O: a renewal blocked in a
     * slow or paused backend (up to the guard's total timeout, possibly longer than the TTL) must
     * not delay the lost callbacks, which are what tells a job to stop.
     */
    private void scheduleDeadlineCheck() {
        synchronized (lock) {
            if (state != State.HELD || !watched) {
                return;
            }
            long untilDeadline = Math.max(0, deadline - clock.nanoTime());
            try {
                deadlineCheck = watchdog.schedule(this::checkDeadline, untilDeadline, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the manager is closing: it releases this lease itself
            }
        }
    }

    private void checkDeadline() {
        if (state == State.HELD && deadlinePassed()) {
            markLost("its deadline passed without a successful renewal");
        } else {
            // renewed meanwhile (or a manual clock that has not moved): look again at the new deadline
            scheduleDeadlineCheck();
        }
    }

    private boolean deadlinePassed() {
        return clock.nanoTime() - deadline >= 0;
    }

    private void markLost(String reason) {
        List<Runnable> toRun;
        synchronized (lock) {
            if (state != State.HELD) {
                return;
            }
            state = State.LOST;
            stopTimerLocked();
            toRun = callbacks;
            callbacks = List.of();
        }
        forget.accept(this);
        log.info("{}: lease '{}' (token {}) lost: {}", backend.backendName(), name, token, reason);
        toRun.forEach(this::runCallback);
    }

    private void runCallback(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.warn("lost-lease callback of '{}' threw", name, e);
        }
    }

    private void stopTimerLocked() {
        if (next != null) {
            next.cancel(false);
            next = null;
        }
        if (deadlineCheck != null) {
            deadlineCheck.cancel(false);
            deadlineCheck = null;
        }
    }

    private void releaseInBackend() {
        try {
            backend.release(name, owner, token);
        } catch (RuntimeException e) {
            // not thrown: the lease expires by itself within its TTL
            log.warn("{}: releasing lease '{}' failed; it expires by itself within {}: {}", backend.backendName(), name,
                    options.ttl(), e.toString());
        }
    }

    /** Nanoseconds of {@code d}, capped far below overflow so that deadline arithmetic stays safe. */
    static long nanos(Duration d) {
        long cap = Long.MAX_VALUE / 4;
        try {
            return Math.min(d.toNanos(), cap);
        } catch (ArithmeticException e) {
            return cap;
        }
    }
}
