package dev.exstate.internal.lease;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.time.StateClock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
    private final AtomicBoolean closed = new AtomicBoolean();

    public LeaseEngine(LeaseBackend backend, StateClock clock) {
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
        lease.start();
        return Optional.of(lease);
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
