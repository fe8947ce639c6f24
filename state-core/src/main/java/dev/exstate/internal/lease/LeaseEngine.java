package dev.exstate.internal.lease;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.time.StateClock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Implementation of {@link dev.exstate.lease.spi.LeaseManager}. Not API.
 *
 * <p>One daemon thread per manager ({@code exstate-lease-renewer-N}) renews every auto-renewed
 * lease and watches every lease's deadline; it stops when idle for a while and starts again on
 * demand, so an idle manager costs no thread.
 */
public final class LeaseEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseEngine.class);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final LeaseBackend backend;
    private final StateClock clock;
    private final ScheduledThreadPoolExecutor renewer;
    /** Watches deadlines and fires lost callbacks; never does I/O, so a hung renewal cannot delay it. */
    private final ScheduledThreadPoolExecutor watchdog;
    private final Set<ManagedLease> held = ConcurrentHashMap.newKeySet();
    /** How long a lease may wait for its timers; see {@link #arm}. */
    static final long ARM_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private final long armDelayNanos;
    private final ConcurrentLinkedQueue<ManagedLease> unarmed = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean armerScheduled = new AtomicBoolean();
    private final AtomicLong armings = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    public LeaseEngine(LeaseBackend backend, StateClock clock) {
        this(backend, clock, ARM_DELAY_NANOS);
    }

    LeaseEngine(LeaseBackend backend, StateClock clock, long armDelayNanos) {
        this.armDelayNanos = armDelayNanos;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.renewer = timer("exstate-lease-renewer-");
        this.watchdog = timer("exstate-lease-watchdog-");
    }

    private static ScheduledThreadPoolExecutor timer(String threadPrefix) {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadPrefix + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        timer.setKeepAliveTime(10, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        return timer;
    }

    public Optional<Lease> tryAcquire(String name, LeaseOptions options) {
        return take(name, options, owner -> backend.acquire(name, owner, options.ttl()));
    }

    public Optional<Lease> tryClaimTick(String name, long tick, LeaseOptions options) {
        if (tick < 0 || tick > LeaseProvider.MAX_TICK) {
            throw new IllegalArgumentException("tick must be between 0 and 2^53 - 1 (" + LeaseProvider.MAX_TICK
                    + ") so that every backend stores it exactly, was " + tick);
        }
        return take(name, options, owner -> backend.claimTick(name, owner, tick, options.ttl()));
    }

    public Set<String> held(Collection<String> names) {
        Objects.requireNonNull(names, "names");
        if (names.size() > LeaseProvider.MAX_HELD_NAMES) {
            throw new IllegalArgumentException("held() takes at most " + LeaseProvider.MAX_HELD_NAMES
                    + " names (LeaseProvider.MAX_HELD_NAMES), was " + names.size());
        }
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(names));
        distinct.forEach(LeaseNames::check);
        if (closed.get()) {
            throw new IllegalStateException("lease provider is closed; cannot read which leases are held");
        }
        if (distinct.isEmpty()) {
            return new HashSet<>();
        }
        Set<String> held = new HashSet<>(backend.held(distinct));
        held.retainAll(distinct);
        return held;
    }

    private Optional<Lease> take(String name, LeaseOptions options, Function<String, OptionalLong> request) {
        LeaseNames.check(name);
        Objects.requireNonNull(options, "options");
        if (closed.get()) {
            throw closedError(name);
        }
        String owner = Owners.next();
        // the deadline counts from when the request was sent: the backend's TTL may start any time after
        long sentAt = clock.nanoTime();
        OptionalLong token = request.apply(owner);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        ManagedLease lease = new ManagedLease(name, owner, token.getAsLong(), sentAt, options, backend, clock, renewer, watchdog, held::remove);
        held.add(lease);
        if (closed.get()) {
            // close() ran while we were acquiring and may have missed this lease
            lease.release();
            throw closedError(name);
        }
        arm(lease, options);
        return Optional.of(lease);
    }

    /**
     * Starts the lease's renewal and deadline timers: at once if its first renewal or deadline is
     * near, else in a batch at most {@link #ARM_DELAY_NANOS} later. A lease released before then
     * (a short critical section, the common case) never touches a timer: no schedule, no cancel,
     * no timer-thread wake-up. Arming late never makes a lease look valid longer: validity is
     * judged against its deadline at call time; only renewal and the lost callbacks could start
     * up to a quarter of the first interval late.
     */
    private void arm(ManagedLease lease, LeaseOptions options) {
        long firstAction = ManagedLease.nanos(options.ttl().minus(options.safetyMargin()));
        if (options.autoRenew()) {
            firstAction = Math.min(firstAction, ManagedLease.nanos(options.renewEvery()));
        }
        if (firstAction < 4 * armDelayNanos) {
            lease.start();
            return;
        }
        unarmed.add(lease);
        scheduleArming();
    }

    private void scheduleArming() {
        if (armerScheduled.compareAndSet(false, true)) {
            try {
                watchdog.schedule(this::armPending, armDelayNanos, TimeUnit.NANOSECONDS);
                armings.incrementAndGet();
            } catch (RejectedExecutionException e) {
                // closing: close() releases every held lease
                armerScheduled.set(false);
            }
        }
    }

    /** On the watchdog thread: starts the timers of the leases still held. Never does I/O. */
    private void armPending() {
        armerScheduled.set(false);
        ManagedLease lease;
        while ((lease = unarmed.poll()) != null) {
            lease.start();
        }
        if (!unarmed.isEmpty()) {
            scheduleArming();
        }
    }

    /** For tests: timer tasks scheduled so far, renewals and deadline checks (the arming batches not counted). */
    long timerTasks() {
        return renewer.getTaskCount() + watchdog.getTaskCount() - armings.get();
    }

    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (ManagedLease lease : List.copyOf(held)) {
            lease.release();
        }
        watchdog.shutdownNow();
        renewer.shutdown();
        try {
            if (!renewer.awaitTermination(1, TimeUnit.SECONDS)) {
                renewer.shutdownNow();
            }
        } catch (InterruptedException e) {
            renewer.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            backend.close();
        } catch (RuntimeException e) {
            log.warn("{}: closing the lease backend failed: {}", backend.backendName(), e.toString());
        }
    }

    private IllegalStateException closedError(String name) {
        return new IllegalStateException(backend.backendName() + " lease provider is closed; cannot acquire lease '"
                + name + "'. Create a new provider.");
    }
}
