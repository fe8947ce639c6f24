package dev.exstate.config.spi;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigListener;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPI for providers: the part of a {@link dev.exstate.config.ConfigSource} that is the same for
 * every backend. A provider reads snapshots from its backend and {@link #offer}s them; the
 * publisher validates, keeps the last good snapshot, ignores revisions not newer than the
 * current one (so a re-read after reconnect never delivers twice), and tells listeners in
 * revision order on one delivery thread.
 *
 * <p>The first snapshot is accepted whatever its revision (an empty in-memory store is at
 * revision 0). A listener is told only about changes accepted after it subscribed. Thread-safe;
 * {@link #offer} runs the validator on the caller's thread and never waits for listeners.
 *
 * <p>User code cannot stop config delivery: whatever a validator throws, {@link Error}s such as
 * {@link StackOverflowError} included, rejects that snapshot (and {@link #offer} returns false
 * instead of throwing into the provider's watch loop); whatever a listener throws is logged,
 * counted ({@link #listenerFailures()}) and delivery goes on with the next listener and change.
 * A {@link VirtualMachineError} other than {@link StackOverflowError} (out of memory, an internal
 * JVM error) leaves the JVM in a state no code can vouch for: delivery still goes on, but
 * {@link #health()} reports DOWN from then on, naming the error, so that readiness takes the
 * replica out of service until it is restarted. A stack overflow unwinds cleanly and is treated
 * like any exception.
 */
public final class ConfigPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigPublisher.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    /** Marks the end of the queue on close; compared by identity. */
    private static final ConfigChange STOP = new ConfigChange(ConfigSnapshot.empty(), ConfigSnapshot.empty(), Set.of());

    private final String component;
    private final ConfigValidator validator;
    private final StateClock clock;
    private final Object lock = new Object();
    private final CopyOnWriteArrayList<Subscription> listeners = new CopyOnWriteArrayList<>();
    /*
     * Unbounded on purpose: listeners are promised every accepted revision (no coalescing), and
     * offers are bounded by the rate of changes in the backend, which is an admin's write rate,
     * not a request rate. A slow listener therefore delays, but never loses, changes.
     */
    private final BlockingQueue<ConfigChange> queue = new LinkedBlockingQueue<>();
    private final Thread delivery;

    private final AtomicLong listenerFailures = new AtomicLong();

    private volatile ConfigSnapshot current;
    private volatile ConfigRejection lastRejection;
    /** Why the JVM cannot be trusted any more (a VirtualMachineError from user code), or null. */
    private volatile String fatal;
    private volatile boolean closed; // written under lock

    /**
     * @param component names the backend in thread names, health and logs (e.g. {@code "etcd"})
     * @param validator decides whether a snapshot may be used
     * @param clock     timestamps rejections
     */
    public ConfigPublisher(String component, ConfigValidator validator, StateClock clock) {
        if (component == null || component.isBlank()) {
            throw new IllegalArgumentException("component must not be blank");
        }
        this.component = component;
        this.validator = Objects.requireNonNull(validator, "validator");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.delivery = new Thread(this::deliverLoop, "exstate-config-" + component);
        delivery.setDaemon(true);
        delivery.start();
    }

    /**
     * Offers a full snapshot read from the backend.
     *
     * @return true if accepted as the new current snapshot; false if rejected by the validator
     *         (recorded as the last rejection) or not newer than the current revision
     */
    public boolean offer(ConfigSnapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        // one offer at a time: the revision check, the swap and the enqueue must not interleave,
        // or listeners could see revisions out of order
        synchronized (lock) {
            if (closed) {
                return false;
            }
            ConfigSnapshot previous = current;
            if (previous != null && snapshot.revision() <= previous.revision()) {
                return false;
            }
            try {
                validator.validate(snapshot);
            } catch (Throwable e) {
                // user code: even an Error must not escape into the provider's read or watch loop
                reject(snapshot, previous, e);
                noteFatal("the config validator", e, snapshot.revision());
                return false;
            }
            current = snapshot;
            queue.add(ConfigChange.between(previous == null ? ConfigSnapshot.empty() : previous, snapshot));
            return true;
        }
    }

    /**
     * Records that the backend holds a state at {@code revision} that cannot be offered at all
     * (e.g. bytes that are not text), as {@link #lastRejection()}; the current snapshot stays in
     * force. Ignored if {@code revision} is not newer than the current snapshot's.
     *
     * @param problems what is wrong, naming keys but never quoting values
     * @return true if recorded
     */
    public boolean reject(long revision, List<String> problems) {
        Objects.requireNonNull(problems, "problems");
        synchronized (lock) {
            ConfigSnapshot previous = current;
            if (closed || (previous != null && revision <= previous.revision())) {
                return false;
            }
            lastRejection = new ConfigRejection(revision, problems, clock.now());
            log.warn("config from {}: revision {} cannot be used ({} problem(s), see lastRejection()); keeping {}",
                    component, revision, problems.size(),
                    previous == null ? "no snapshot (not loaded)" : "revision " + previous.revision());
            return true;
        }
    }

    private void reject(ConfigSnapshot snapshot, ConfigSnapshot previous, Throwable e) {
        List<String> problems;
        if (e instanceof ConfigValidationException cve) {
            problems = cve.problems();
        } else if (e instanceof Error) {
            problems = List.of("the validator threw " + e.getClass().getName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } else {
            problems = List.of(e.getMessage() == null ? e.getClass().getName() : e.getMessage());
        }
        lastRejection = new ConfigRejection(snapshot.revision(), problems, clock.now());
        // no problems text in the log: a validator's message may quote values; lastRejection() has it
        log.warn("config from {}: revision {} rejected by the validator ({}, {} problem(s)); keeping {}",
                component, snapshot.revision(), e.getClass().getSimpleName(), problems.size(),
                previous == null ? "no snapshot (not loaded)" : "revision " + previous.revision());
    }

    /** The last accepted snapshot; empty before the first one. */
    public Optional<ConfigSnapshot> current() {
        return Optional.ofNullable(current);
    }

    /**
     * Registers a listener for changes accepted from now on.
     *
     * @return a handle whose {@code close()} unregisters the listener (idempotent)
     */
    public AutoCloseable subscribe(ConfigListener listener) {
        Objects.requireNonNull(listener, "listener");
        Subscription s;
        synchronized (lock) {
            // changes already queued are at or below this revision and are not the listener's business
            ConfigSnapshot now = current;
            s = new Subscription(listener, now == null ? Long.MIN_VALUE : now.revision());
            listeners.add(s);
        }
        return s;
    }

    /** The most recent snapshot the validator refused, if any. */
    public Optional<ConfigRejection> lastRejection() {
        return Optional.ofNullable(lastRejection);
    }

    /**
     * Times a listener threw (anything, {@link Error}s included) since this publisher started;
     * each time was logged and delivery went on.
     */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    /**
     * DOWN until the first snapshot is accepted, then UP; DOWN for good once a validator or
     * listener threw a {@link VirtualMachineError} other than {@link StackOverflowError}. Never
     * does I/O.
     */
    public BackendHealth health() {
        ConfigSnapshot c = current;
        String name = "config:" + component;
        String f = fatal;
        if (f != null) {
            return BackendHealth.down(name, f);
        }
        if (c == null) {
            ConfigRejection r = lastRejection;
            return BackendHealth.down(name, r == null
                    ? "no config snapshot loaded yet"
                    : "no config snapshot loaded yet (revision " + r.revision() + " rejected, see lastRejection())");
        }
        ConfigRejection r = lastRejection;
        if (r != null && r.revision() > c.revision()) {
            return BackendHealth.up(name, "revision " + c.revision() + " (revision " + r.revision()
                    + " rejected at " + r.at() + ", see lastRejection())");
        }
        return BackendHealth.up(name, "revision " + c.revision());
    }

    /** Stops the delivery thread after delivering what was accepted. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        if (Thread.currentThread() == delivery) {
            return; // closed from a listener: the loop ends after this change
        }
        try {
            delivery.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (delivery.isAlive()) {
            log.warn("config from {}: a listener is still running {} after close(); interrupting it", component, CLOSE_WAIT);
            delivery.interrupt();
        }
    }

    private void deliverLoop() {
        while (true) {
            ConfigChange change;
            try {
                change = queue.take();
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue; // a listener interrupted itself; that must not stop delivery
            }
            if (change == STOP) {
                return;
            }
            for (Subscription s : listeners) {
                s.deliver(change);
            }
        }
    }

    private static boolean isFatal(Throwable t) {
        return t instanceof VirtualMachineError && !(t instanceof StackOverflowError);
    }

    /** Marks health DOWN for good after a VirtualMachineError (other than a stack overflow) from user code. */
    private void noteFatal(String who, Throwable t, long revision) {
        if (isFatal(t)) {
            fatal = who + " threw " + t.getClass().getName() + " on revision " + revision
                    + "; this JVM may be unusable, restart the replica";
            log.error("config from {}: {}", component, fatal, t);
        }
    }

    @Override
    public String toString() {
        ConfigSnapshot c = current;
        return "ConfigPublisher[" + component + ", revision " + (c == null ? "none" : c.revision()) + "]";
    }

    private final class Subscription implements AutoCloseable {
        private final ConfigListener listener;
        private final long afterRevision;
        private volatile boolean active = true;

        Subscription(ConfigListener listener, long afterRevision) {
            this.listener = listener;
            this.afterRevision = afterRevision;
        }

        void deliver(ConfigChange change) {
            if (!active || change.current().revision() <= afterRevision) {
                return;
            }
            try {
                listener.onChange(change);
            } catch (Throwable t) {
                // user code: whatever it throws, the delivery thread must live on for the next change
                listenerFailures.incrementAndGet();
                if (isFatal(t)) {
                    noteFatal("config listener " + listener, t, change.current().revision());
                } else if (t instanceof StackOverflowError) {
                    // no stack trace: it would be a thousand frames of the listener's recursion
                    log.warn("config from {}: listener {} failed on revision {} with a StackOverflowError; delivery goes on",
                            component, listener, change.current().revision());
                } else {
                    log.warn("config from {}: listener {} failed on revision {}; delivery goes on",
                            component, listener, change.current().revision(), t);
                }
            }
        }

        @Override
        public void close() {
            active = false;
            listeners.remove(this);
        }
    }
}
