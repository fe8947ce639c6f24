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

    private volatile ConfigSnapshot current;
    private volatile ConfigRejection lastRejection;
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
            } catch (RuntimeException e) {
                reject(snapshot, previous, e);
                return false;
            }
            current = snapshot;
            queue.add(ConfigChange.between(previous == null ? ConfigSnapshot.empty() : previous, snapshot));
            return true;
        }
    }

    private void reject(ConfigSnapshot snapshot, ConfigSnapshot previous, RuntimeException e) {
        List<String> problems;
        if (e instanceof ConfigValidationException cve) {
            problems = cve.problems();
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

    /** DOWN until the first snapshot is accepted, then UP. Never does I/O. */
    public BackendHealth health() {
        ConfigSnapshot c = current;
        String name = "config:" + component;
        if (c == null) {
            ConfigRejection r = lastRejection;
            return BackendHealth.down(name, r == null
                    ? "no config snapshot loaded yet"
                    : "no config snapshot loaded yet (revision " + r.revision() + " rejected by the validator)");
        }
        ConfigRejection r = lastRejection;
        if (r != null && r.revision() > c.revision()) {
            return BackendHealth.up(name, "revision " + c.revision() + " (revision " + r.revision()
                    + " rejected by the validator at " + r.at() + ")");
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
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                log.warn("config from {}: listener {} failed on revision {}; other listeners are not affected",
                        component, listener, change.current().revision(), t);
            }
        }

        @Override
        public void close() {
            active = false;
            listeners.remove(this);
        }
    }
}
