package dev.exstate.testkit.backend;

import dev.exstate.internal.Check;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Redis master watched by one Redis Sentinel, both child processes on free 127.0.0.1 ports, for
 * testing clients that find their master through Sentinel.
 *
 * <pre>{@code
 * try (RedisSentinel sentinel = RedisSentinel.builder().start()) {
 *     RedisOptions.sentinel(sentinel.sentinelUri());   // redis-sentinel://127.0.0.1:<port>#mymaster
 *     sentinel.master().pause();                         // faults go through the master's controls
 * }
 * }</pre>
 *
 * <p>Both processes are {@link RedisServer}s: the sentinel is {@code redis-server <conf> --sentinel}
 * with the {@code sentinel monitor ...} directives passed on its command line, so it needs no
 * separate {@code redis-sentinel} binary and gets the same controls (kill, pause, restart) and
 * shutdown-hook cleanup as the master. Sentinel rewrites its own config file; it lives in the
 * sentinel's writable data directory. The quorum is 1, {@code down-after-milliseconds} 1000 and
 * {@code failover-timeout} 2000; with no replicas a failover never succeeds, so the master stays
 * the master.
 *
 * <p>{@code start()} returns once the sentinel answers {@code SENTINEL get-master-addr-by-name}
 * with the master's address. {@link #close()} kills both processes and deletes their data.
 * Thread-safe.
 */
public final class RedisSentinel implements Launcher<RedisSentinel> {
    /** The name under which the sentinel monitors the master. */
    public static final String DEFAULT_MASTER_NAME = "mymaster";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 25;

    private final String masterName;
    private final Duration startTimeout;
    private final RedisServer master;
    private final Path binary;
    private volatile RedisServer sentinel;
    private volatile boolean closed;

    private RedisSentinel(Builder b) {
        this.masterName = b.masterName;
        this.startTimeout = b.startTimeout;
        this.binary = b.binary;
        RedisServer.Builder mb = RedisServer.builder().startTimeout(b.startTimeout);
        if (b.binary != null) {
            mb.binary(b.binary);
        }
        this.master = mb.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True if {@code redis-server} can be found (it runs the sentinel too). */
    public static boolean isInstalled() {
        return RedisServer.isInstalled();
    }

    /**
     * Starts the master, then the sentinel, and waits until the sentinel names the master. Does
     * nothing for processes already running.
     *
     * @throws BackendStartException if either process does not come up within the start timeout
     */
    @Override
    public synchronized RedisSentinel start() {
        ensureOpen();
        master.start();
        if (sentinel == null) {
            // built only now: a port clash on the first start may have moved the master
            sentinel = newSentinel();
        }
        sentinel.start();
        awaitMasterKnown();
        return this;
    }

    /** The monitored master; use its controls to inject faults. */
    public RedisServer master() {
        return master;
    }

    /**
     * The sentinel process (a {@code redis-server} in Sentinel mode).
     *
     * @throws IllegalStateException before the first {@link #start()}
     */
    public RedisServer sentinel() {
        RedisServer s = sentinel;
        if (s == null) {
            throw new IllegalStateException("the sentinel for master " + master.hostAndPort() + " has not been started");
        }
        return s;
    }

    public String masterName() {
        return masterName;
    }

    /** {@code redis-sentinel://127.0.0.1:<sentinel port>#<master name>}, the form Lettuce parses. */
    public String sentinelUri() {
        return "redis-sentinel://" + sentinel().hostAndPort() + "#" + masterName;
    }

    /**
     * What the sentinel answers to {@code SENTINEL get-master-addr-by-name}: {@code host:port},
     * or {@code null} if it does not know the master.
     */
    public String masterAddressFromSentinel() {
        try (RespConnection conn = sentinel().connect(PROBE_TIMEOUT)) {
            Object reply = conn.call("SENTINEL", "get-master-addr-by-name", masterName);
            if (reply instanceof List<?> addr && addr.size() == 2) {
                return addr.get(0) + ":" + addr.get(1);
            }
            return null;
        }
    }

    /** Kills both processes and deletes their data directories. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RedisServer s = sentinel;
        Launcher.closeAll(s == null ? List.of(master) : List.of(s, master));
    }

    @Override
    public String toString() {
        RedisServer s = sentinel;
        return "RedisSentinel[" + (s == null ? "not started" : "sentinel " + s.hostAndPort()) + "#" + masterName
                + ", master " + master.hostAndPort()
                + (closed ? ", closed" : "") + "]";
    }

    private RedisServer newSentinel() {
        String port = Integer.toString(master.port());
        // each "--sentinel ..." argument becomes one "sentinel ..." config line; the bare
        // "--sentinel" switches redis-server into Sentinel mode
        RedisServer.Builder sb = RedisServer.builder().startTimeout(startTimeout)
                .arg("--sentinel")
                .arg("--sentinel", "monitor", masterName, master.host(), port, "1")
                .arg("--sentinel", "down-after-milliseconds", masterName, "1000")
                .arg("--sentinel", "failover-timeout", masterName, "2000");
        if (binary != null) {
            sb.binary(binary);
        }
        return sb.build();
    }

    private void awaitMasterKnown() {
        String expected = master.hostAndPort();
        AtomicReference<String> last = new AtomicReference<>();
        AtomicReference<RuntimeException> lastError = new AtomicReference<>();
        Launcher.await(startTimeout, POLL_MILLIS, () -> {
            try {
                last.set(masterAddressFromSentinel());
            } catch (RuntimeException e) {
                lastError.set(e);
            }
            return Optional.ofNullable(last.get()).filter(expected::equals);
        }, () -> "redis sentinel at " + sentinel().hostAndPort() + " did not report master '" + masterName + "' at "
                + expected + " within " + startTimeout + " (last answer: " + last.get()
                + (lastError.get() != null ? ", last error: " + lastError.get().getMessage() : "") + ")."
                + System.lineSeparator() + "Sentinel log tail:" + System.lineSeparator() + sentinel().logTail(20));
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Options for a {@link RedisSentinel}. Defaults: master name {@code mymaster}, 20 second start timeout. */
    public static final class Builder extends LauncherBuilder<Builder, RedisSentinel> {
        private String masterName = DEFAULT_MASTER_NAME;

        private Builder() {}

        /** The name the sentinel monitors the master under (the URI fragment). */
        public Builder masterName(String name) {
            this.masterName = Check.valid(name, name != null && !name.isBlank() && name.matches("[A-Za-z0-9_.-]+"), () -> "master name must be letters, digits, '_', '.' or '-': " + name);
            return this;
        }

        /** Creates the processes without starting them; the executable, if set, runs master and sentinel. */
        @Override
        public RedisSentinel build() {
            return new RedisSentinel(this);
        }
    }
}
