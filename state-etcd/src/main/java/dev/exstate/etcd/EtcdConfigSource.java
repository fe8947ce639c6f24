package dev.exstate.etcd;

import dev.exstate.config.ConfigListener;
import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.spi.ConfigPublisher;
import dev.exstate.etcd.internal.ConfigWatch;
import dev.exstate.etcd.internal.EtcdConnection;
import dev.exstate.etcd.internal.EtcdKeys;
import dev.exstate.guard.Guard;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live config from all keys under one etcd prefix ({@code <keyPrefix><app>/config/}); get one
 * from {@link EtcdState}. The snapshot's keys are the etcd keys without the prefix, its revision
 * is etcd's revision of that state.
 *
 * <p>What a user can rely on, besides the {@link ConfigSource} contract:
 * <ul>
 *   <li>building the source waits up to {@link EtcdOptions#startupTimeout()} for the first read,
 *       retrying the first connection with backoff; if etcd cannot be read by then, the source
 *       serves {@link EtcdOptions#defaults()} as revision 0 (health DEGRADED) and keeps trying,
 *       or, without defaults, building fails with {@link StateUnavailableException} (real elapsed
 *       time, last cause). If etcd refuses the credentials or permissions, building fails at once
 *       with {@link dev.exstate.guard.StateAccessDeniedException}, defaults or not;</li>
 *   <li>the watch is supervised here, not by jetcd: after an error, the end of the stream,
 *       compaction, a stall (no answer to a progress request within
 *       {@link EtcdOptions#watchProgressInterval()}) or lost events (found by the periodic
 *       {@link EtcdOptions#watchVerifyInterval() consistency check}), the prefix is re-read and
 *       watched again from the read's revision, so the final value is never missed and no change
 *       is delivered twice;</li>
 *   <li>a write that changes no value (a retried put of the same value) delivers nothing;</li>
 *   <li>values written in one etcd transaction arrive as one change;</li>
 *   <li>{@link #health()}: DOWN until a snapshot is accepted, DEGRADED while serving defaults or
 *       while the watch is being re-established, otherwise UP. It never does I/O.</li>
 * </ul>
 *
 * <p>Thread-safe. One daemon thread per source ({@code exstate-etcd-config-N}) reads and watches;
 * listeners run on the publisher's thread ({@code exstate-config-etcd}), one change at a time.
 */
public final class EtcdConfigSource implements ConfigSource {
    private static final Logger log = LoggerFactory.getLogger(EtcdConfigSource.class);
    /** Least time the first guarded read gets once etcd has answered the start-up probe. */
    private static final Duration FIRST_READ = Duration.ofSeconds(5);

    private final EtcdConnection connection;
    private final EtcdKeys keys;
    private final ConfigPublisher publisher;
    private final ConfigWatch watch;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean servingDefaults;

    /** Takes over one reference of {@code connection}; blocks up to the start-up timeout. */
    EtcdConfigSource(EtcdConnection connection, Guard guard, EtcdKeys keys, ConfigValidator validator, StateClock clock) {
        EtcdOptions options = connection.options();
        this.connection = connection;
        this.keys = keys;
        this.publisher = new ConfigPublisher("etcd", validator, clock);
        this.watch = new ConfigWatch(connection, guard, keys, publisher, options.watchProgressInterval(),
                options.watchVerifyInterval(), options.maxRetryBackoff());
        long start = System.nanoTime();
        try {
            StateUnavailableException unreachable = null;
            try {
                // the first connection, retried within the start-up timeout, outside the guard
                connection.awaitReachable(keys.configPrefix(), keys.configPrefixBytes());
            } catch (StateUnavailableException e) {
                unreachable = e;
            }
            watch.start();
            awaitStart(options, start, unreachable);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A first snapshot, the defaults, or an exception; {@code unreachable} is set if etcd never answered. */
    private void awaitStart(EtcdOptions options, long start, StateUnavailableException unreachable) {
        boolean read;
        try {
            // once etcd answered, its first read is quick; still leave it a few seconds on a busy host
            Duration left = options.startupTimeout().minusNanos(System.nanoTime() - start);
            read = options.startupTimeout().isZero()
                    || (unreachable == null && watch.awaitFirstRead(left.compareTo(FIRST_READ) > 0 ? left : FIRST_READ));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("etcd", "config.load", elapsed(start),
                    "interrupted while waiting for the first config snapshot from " + keys.configPrefix(), e);
        }
        if (read) {
            return;
        }
        if (watch.accessDenied() != null) {
            throw watch.accessDenied();
        }
        Throwable cause = unreachable != null ? unreachable : watch.lastError();
        String why = unreachable != null ? unreachable.getMessage()
                : watch.problem() == null ? "no answer" : watch.problem();
        Map<String, String> defaults = options.defaults();
        if (defaults == null) {
            throw new StateUnavailableException("etcd", "config.load", elapsed(start),
                    "could not read " + keys.configPrefix() + " from " + options.endpoints() + " within startupTimeout "
                            + options.startupTimeout().toMillis() + " ms (" + why + "). Check that etcd runs there, or set "
                            + "EtcdOptions.defaults(...) to start with default config while etcd is away.", cause);
        }
        servingDefaults = true;
        // revision 0: any snapshot read from etcd later is newer and replaces it
        publisher.offer(new ConfigSnapshot(0, defaults));
        log.warn("etcd config {}: not readable within {} ({}); serving {} default value(s) until etcd answers",
                keys.configPrefix(), options.startupTimeout(), why, defaults.size());
    }

    /** The etcd key prefix this source reads, e.g. {@code /exstate/shop/config/}. */
    public String prefix() {
        return keys.configPrefix();
    }

    @Override
    public ConfigSnapshot current() {
        return publisher.current().orElseThrow(() -> new ConfigNotLoadedException(notLoadedReason()));
    }

    private String notLoadedReason() {
        Optional<ConfigRejection> r = publisher.lastRejection();
        if (r.isPresent()) {
            return "no config snapshot loaded from etcd " + keys.configPrefix() + ": revision " + r.get().revision()
                    + " was rejected (" + r.get().problems().size() + " problem(s), see lastRejection()); "
                    + "fix the values in etcd";
        }
        String p = watch.problem();
        return "no config snapshot loaded from etcd " + keys.configPrefix() + " yet" + (p == null ? "" : ": " + p);
    }

    @Override
    public boolean isLoaded() {
        return publisher.current().isPresent();
    }

    @Override
    public AutoCloseable subscribe(ConfigListener listener) {
        return publisher.subscribe(listener);
    }

    @Override
    public Optional<ConfigRejection> lastRejection() {
        return publisher.lastRejection();
    }

    @Override
    public BackendHealth health() {
        BackendHealth h = publisher.health();
        String problem = watch.problem();
        if (h.status() == BackendHealth.Status.DOWN) {
            return problem == null ? h : BackendHealth.down(h.component(), h.detail() + "; etcd: " + problem);
        }
        Optional<ConfigSnapshot> now = publisher.current();
        if (servingDefaults && now.isPresent() && now.get().revision() == 0) {
            return BackendHealth.degraded(h.component(), "serving default config: etcd " + keys.configPrefix()
                    + " not read yet" + (problem == null ? "" : " (" + problem + ")"));
        }
        if (problem != null) {
            long forMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - watch.problemSinceNanos());
            return BackendHealth.degraded(h.component(), h.detail() + "; may be stale: watch not in step for "
                    + forMs + " ms (" + problem + ")");
        }
        return h;
    }

    /** Full re-reads of the prefix since start (the first load included); for tests and metrics. */
    public long reloads() {
        return watch.resyncs();
    }

    /** Stops watching and the listener thread, and releases this source's share of the etcd client. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            watch.close();
            publisher.close();
        } finally {
            connection.release();
        }
    }

    @Override
    public String toString() {
        return "EtcdConfigSource[" + keys.configPrefix() + ", " + publisher + "]";
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
