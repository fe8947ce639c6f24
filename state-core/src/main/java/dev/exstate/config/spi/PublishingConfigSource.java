package dev.exstate.config.spi;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigListener;
import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
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
 * The generic {@link ConfigSource} over a {@link ConfigBackend}: the backend feeds snapshots, this
 * source validates them, keeps the last good one, ignores revisions not newer than the current one
 * (so a re-read after a reconnect never delivers twice), tells listeners in revision order on one
 * delivery thread, reports health and closes once. Every exstate config source is one of these;
 * a provider builds one over its backend rather than re-implementing it.
 *
 * <p>Construction starts the backend ({@link ConfigBackend#start}) and so may block as long as
 * the backend's start does; if that fails, the backend is closed and the exception propagates.
 * The first snapshot is accepted whatever its revision (an empty in-memory store is at
 * revision 0). A listener is told only about changes accepted after it subscribed.
 *
 * <p>User code cannot stop config delivery: whatever a validator throws, {@link Error}s such as
 * {@link StackOverflowError} included, rejects that snapshot (the backend's feed never sees it);
 * whatever a listener throws is logged and delivery goes on with the next listener and change. A
 * {@link VirtualMachineError} other than {@link StackOverflowError} (out of memory, an internal
 * JVM error) leaves the JVM in a state no code can vouch for: delivery still goes on, but
 * {@link #health()} reports DOWN from then on, naming the error, so that readiness takes the
 * replica out of service until it is restarted. A stack overflow unwinds cleanly and is treated
 * like any exception.
 *
 * <p>Thread-safe. Listeners run on the daemon thread {@code exstate-config-<backend name>}, one
 * change at a time. Providers may extend this class to add accessors of their own (all of its
 * methods are final).
 */
public class PublishingConfigSource implements ConfigSource {
    private static final Logger log = LoggerFactory.getLogger(PublishingConfigSource.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    /** Marks the end of the queue on close; compared by identity. */
    private static final ConfigChange STOP = new ConfigChange(ConfigSnapshot.empty(), ConfigSnapshot.empty(), Set.of());

    private final ConfigBackend backend;
    private final String name;
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
    private final AtomicLong rejections = new AtomicLong();
    /** Why the JVM cannot be trusted any more (a VirtualMachineError from user code), or null. */
    private volatile String fatal;
    private volatile boolean closed; // written under lock

    /**
     * Builds the source and starts {@code backend}, which it then owns (closed by {@link #close()}).
     *
     * @param validator decides whether a snapshot may be used
     * @param clock     timestamps rejections
     */
    public PublishingConfigSource(ConfigBackend backend, ConfigValidator validator, StateClock clock) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.clock = Objects.requireNonNull(clock, "clock");
        String n = backend.backendName();
        if (n == null || n.isBlank()) {
            throw new IllegalArgumentException("the backendName() of " + backend.getClass().getName() + " must not be blank");
        }
        this.name = n;
        this.delivery = new Thread(this::deliverLoop, "exstate-config-" + name);
        delivery.setDaemon(true);
        delivery.start();
        try {
            backend.start(new Feed());
        } catch (RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * The config in force.
     *
     * @throws ConfigNotLoadedException naming the backend and why nothing is loaded: the last
     *                                  rejection, or the backend's {@linkplain ConfigBackend#problem problem}
     */
    @Override
    public final ConfigSnapshot current() {
        ConfigSnapshot c = current;
        if (c != null) {
            return c;
        }
        ConfigRejection r = lastRejection;
        if (r != null) {
            throw new ConfigNotLoadedException("no config snapshot loaded from " + backend.describe() + ": revision "
                    + r.revision() + " was rejected (" + r.problems().size() + " problem(s), see lastRejection()); "
                    + "fix the config there, it is read again when it changes");
        }
        String p = backend.problem();
        throw new ConfigNotLoadedException("no config snapshot loaded from " + backend.describe() + " yet"
                + (p == null ? "" : ": " + p));
    }

    @Override
    public final boolean isLoaded() {
        return current != null;
    }

    /**
     * Registers a listener for changes accepted from now on.
     *
     * @return a handle whose {@code close()} unregisters the listener (idempotent)
     */
    @Override
    public final AutoCloseable subscribe(ConfigListener listener) {
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

    @Override
    public final Optional<ConfigRejection> lastRejection() {
        return Optional.ofNullable(lastRejection);
    }

    /** Refused revisions since start; a revision refused again after a re-read counts once. */
    @Override
    public final long rejectedSnapshots() {
        return rejections.get();
    }

    /**
     * Component {@code config:<backend name>}. DOWN until the first snapshot is accepted, then UP,
     * or DEGRADED while the backend reports a {@linkplain ConfigBackend#problem problem}; DOWN for
     * good once a validator or listener threw a {@link VirtualMachineError} other than
     * {@link StackOverflowError}. Never does I/O.
     */
    @Override
    public final BackendHealth health() {
        String component = "config:" + name;
        String f = fatal;
        if (f != null) {
            return BackendHealth.down(component, f);
        }
        ConfigSnapshot c = current;
        ConfigRejection r = lastRejection;
        String problem = backend.problem();
        String suffix = problem == null ? "" : "; " + problem;
        if (c == null) {
            return BackendHealth.down(component, (r == null
                    ? "no config snapshot loaded yet"
                    : "no config snapshot loaded yet (revision " + r.revision() + " rejected, see lastRejection())") + suffix);
        }
        String detail = "revision " + c.revision();
        if (r != null && r.revision() > c.revision()) {
            detail += " (revision " + r.revision() + " rejected at " + r.at() + ", see lastRejection())";
        }
        return problem == null ? BackendHealth.up(component, detail) : BackendHealth.degraded(component, detail + suffix);
    }

    /**
     * Stops the backend's feed, then the delivery thread after it delivered what was accepted,
     * and releases the backend. Idempotent; may be called from a listener.
     */
    @Override
    public final void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            backend.close();
        } finally {
            queue.add(STOP);
            awaitDelivery();
        }
    }

    @Override
    public String toString() {
        ConfigSnapshot c = current;
        return getClass().getSimpleName() + "[" + backend.describe() + ", revision " + (c == null ? "none" : c.revision()) + "]";
    }

    private boolean offer(ConfigSnapshot snapshot) {
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
                // user code: even an Error must not escape into the backend's read or watch loop
                rejected(snapshot, previous, e);
                noteFatal("the config validator", e, snapshot.revision());
                return false;
            }
            current = snapshot;
            queue.add(ConfigChange.between(previous == null ? ConfigSnapshot.empty() : previous, snapshot));
            return true;
        }
    }

    private boolean reject(long revision, List<String> problems) {
        Objects.requireNonNull(problems, "problems");
        synchronized (lock) {
            ConfigSnapshot previous = current;
            if (closed || (previous != null && revision <= previous.revision())) {
                return false;
            }
            countRejection(revision);
            lastRejection = new ConfigRejection(revision, problems, clock.now());
            log.warn("config from {}: revision {} cannot be used ({} problem(s), see lastRejection()); keeping {}",
                    backend.describe(), revision, problems.size(), keeping(previous));
            return true;
        }
    }

    private void rejected(ConfigSnapshot snapshot, ConfigSnapshot previous, Throwable e) {
        List<String> problems;
        if (e instanceof ConfigValidationException cve) {
            problems = cve.problems();
        } else if (e instanceof Error) {
            problems = List.of("the validator threw " + e.getClass().getName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } else {
            problems = List.of(e.getMessage() == null ? e.getClass().getName() : e.getMessage());
        }
        countRejection(snapshot.revision());
        lastRejection = new ConfigRejection(snapshot.revision(), problems, clock.now());
        // no problems text in the log: a validator's message may quote values; lastRejection() has it
        log.warn("config from {}: revision {} rejected by the validator ({}, {} problem(s)); keeping {}",
                backend.describe(), snapshot.revision(), e.getClass().getSimpleName(), problems.size(), keeping(previous));
    }

    /** Under lock: a revision refused again (a re-read after a reconnect) is counted once. */
    private void countRejection(long revision) {
        ConfigRejection last = lastRejection;
        if (last == null || last.revision() != revision) {
            rejections.incrementAndGet();
        }
    }

    private static String keeping(ConfigSnapshot previous) {
        return previous == null ? "no snapshot (not loaded)" : "revision " + previous.revision();
    }

    private void awaitDelivery() {
        if (Thread.currentThread() == delivery) {
            return; // closed from a listener: the loop ends after this change
        }
        try {
            delivery.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (delivery.isAlive()) {
            log.warn("config from {}: a listener is still running {} after close(); interrupting it", backend.describe(), CLOSE_WAIT);
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
            log.error("config from {}: {}", backend.describe(), fatal, t);
        }
    }

    /** What the backend sees of this source: nothing a user of the source could reach. */
    private final class Feed implements ConfigBackend.Sink {
        @Override
        public boolean offer(ConfigSnapshot snapshot) {
            return PublishingConfigSource.this.offer(snapshot);
        }

        @Override
        public boolean reject(long revision, List<String> problems) {
            return PublishingConfigSource.this.reject(revision, problems);
        }
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
                if (isFatal(t)) {
                    noteFatal("config listener " + listener, t, change.current().revision());
                } else if (t instanceof StackOverflowError) {
                    // no stack trace: it would be a thousand frames of the listener's recursion
                    log.warn("config from {}: listener {} failed on revision {} with a StackOverflowError; delivery goes on",
                            backend.describe(), listener, change.current().revision());
                } else {
                    log.warn("config from {}: listener {} failed on revision {}; delivery goes on",
                            backend.describe(), listener, change.current().revision(), t);
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
