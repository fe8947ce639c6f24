package dev.exstate.testkit.backend;

import dev.exstate.internal.Check;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * A Redis master with optional replicas, watched by one or more Redis Sentinels, all child
 * processes on free 127.0.0.1 ports, for testing clients that find their master through Sentinel
 * and survive a failover.
 *
 * <pre>{@code
 * try (RedisSentinel sentinel = RedisSentinel.builder().replicas(2).sentinels(3).start()) {
 *     RedisOptions.sentinel(sentinel.sentinelUri());   // redis-sentinel://127.0.0.1:<p1>,...#mymaster
 *     sentinel.master().kill();                          // SIGKILL: the sentinels promote a replica
 *     RedisServer promoted = sentinel.awaitFailover(sentinel.master(), Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>Every process is a {@link RedisServer}: replicas run with {@code --replicaof} the master, each
 * sentinel is {@code redis-server <conf> --sentinel} with the {@code sentinel monitor ...}
 * directives passed on its command line, so it needs no separate {@code redis-sentinel} binary and
 * gets the same controls (kill, pause, restart) and shutdown-hook cleanup. Sentinel rewrites its
 * own config file; it lives in the sentinel's writable data directory. The quorum is a majority
 * of the sentinels (1 for one sentinel), {@code down-after-milliseconds} 1000 and
 * {@code failover-timeout} 2000, so a killed master is replaced within a few seconds. Without
 * replicas (the default: 1 master, 1 sentinel) a failover never succeeds, so the master stays the
 * master.
 *
 * <p>{@code start()} returns once every replica's link to the master is up and every sentinel
 * names the master, knows all replicas and all other sentinels, so a failover can start at once.
 * Measured on a busy 2-core machine (load 8 to 12): 1 master + 2 replicas + 3 sentinels start in
 * about 7 s (sentinels find each other by their hello messages, sent every 2 s), and a replica is
 * promoted about 2.5 s after the master is killed. {@link #close()} kills every process and deletes its data. Thread-safe.
 */
public final class RedisSentinel implements Launcher<RedisSentinel> {
    /** The name under which the sentinels monitor the master. */
    public static final String DEFAULT_MASTER_NAME = "mymaster";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 25;

    private final String masterName;
    private final Duration startTimeout;
    private final RedisServer master;
    private final Path binary;
    private final int replicaCount;
    private final int sentinelCount;
    // built only once the master has its final port (a port clash on its first start may move it)
    private volatile List<RedisServer> replicas = List.of();
    private volatile List<RedisServer> sentinels = List.of();
    private volatile boolean closed;

    private RedisSentinel(Builder b) {
        this.masterName = b.masterName;
        this.startTimeout = b.startTimeout;
        this.binary = b.binary;
        this.replicaCount = b.replicas;
        this.sentinelCount = b.sentinels;
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
     * Starts the master, the replicas and the sentinels, and waits until the sentinels know all of
     * them (see the class comment). Starts again whatever is not running; after a failover the
     * sentinels report the promoted master, so the wait accepts any of this launcher's servers.
     *
     * @throws BackendStartException if a process does not come up within the start timeout
     */
    @Override
    public synchronized RedisSentinel start() {
        ensureOpen();
        boolean first = sentinels.isEmpty();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        master.start();
        if (first) {
            List<RedisServer> built = new ArrayList<>();
            for (int i = 0; i < replicaCount; i++) {
                built.add(newServer().arg("--replicaof", master.host(), Integer.toString(master.port())).build());
            }
            replicas = List.copyOf(built);
        }
        replicas.forEach(RedisServer::start);
        if (first) {
            awaitReplicasLinked(remaining(deadline));
            List<RedisServer> built = new ArrayList<>();
            for (int i = 0; i < sentinelCount; i++) {
                built.add(newSentinel());
            }
            sentinels = List.copyOf(built);
        }
        sentinels.forEach(RedisServer::start);
        awaitSentinelsReady(remaining(deadline), first);
        return this;
    }

    /** The first master; after a failover see {@link #currentMaster()}. Use its controls to inject faults. */
    public RedisServer master() {
        return master;
    }

    /** The replicas, in creation order (empty before the first {@link #start()} or without replicas). */
    public List<RedisServer> replicas() {
        return replicas;
    }

    /** Master and replicas: every data server, whatever role it has now. */
    public List<RedisServer> servers() {
        List<RedisServer> all = new ArrayList<>();
        all.add(master);
        all.addAll(replicas);
        return all;
    }

    /**
     * The first sentinel process (a {@code redis-server} in Sentinel mode).
     *
     * @throws IllegalStateException before the first {@link #start()}
     */
    public RedisServer sentinel() {
        return sentinels().get(0);
    }

    /**
     * All sentinel processes.
     *
     * @throws IllegalStateException before the first {@link #start()}
     */
    public List<RedisServer> sentinels() {
        List<RedisServer> s = sentinels;
        if (s.isEmpty()) {
            throw new IllegalStateException("the sentinels for master " + master.hostAndPort() + " have not been started");
        }
        return s;
    }

    public String masterName() {
        return masterName;
    }

    /** {@code redis-sentinel://127.0.0.1:<port>[,127.0.0.1:<port>...]#<master name>}, the form Lettuce parses. */
    public String sentinelUri() {
        return "redis-sentinel://" + sentinels().stream().map(RedisServer::hostAndPort).collect(Collectors.joining(","))
                + "#" + masterName;
    }

    /**
     * What the first sentinel answers to {@code SENTINEL get-master-addr-by-name}: {@code host:port},
     * or {@code null} if it does not know the master.
     */
    public String masterAddressFromSentinel() {
        return masterAddress(sentinel());
    }

    /**
     * The server the running sentinels name as master (the majority of those that answer), or
     * {@code null} if none answers or they name no server of this launcher.
     */
    public RedisServer currentMaster() {
        Map<String, Integer> votes = new HashMap<>();
        for (RedisServer s : sentinels()) {
            if (!s.isRunning() || s.isPaused()) {
                continue;
            }
            try {
                String addr = masterAddress(s);
                if (addr != null) {
                    votes.merge(addr, 1, Integer::sum);
                }
            } catch (RuntimeException e) {
                // this sentinel cannot answer; ask the others
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue())
                .flatMap(e -> servers().stream().filter(srv -> srv.hostAndPort().equals(e.getKey())).findFirst())
                .orElse(null);
    }

    /**
     * Waits until the sentinels name another master than {@code old} and that server says it is a
     * master ({@code ROLE}); returns it. Call it after killing or pausing {@code old}.
     *
     * @throws BackendStartException if that does not happen within {@code timeout}
     */
    public RedisServer awaitFailover(RedisServer old, Duration timeout) {
        return Launcher.await(timeout, POLL_MILLIS,
                () -> Optional.ofNullable(currentMaster()).filter(m -> m != old && "master".equals(role(m))),
                () -> "the sentinels of " + this + " did not promote a replica within " + timeout + " (they name "
                        + currentMaster() + ")." + System.lineSeparator() + "Sentinel log tail:" + System.lineSeparator()
                        + sentinel().logTail(20));
    }

    /**
     * The role a data server reports ({@code master}, {@code slave}), or {@code "unreachable"} if it
     * does not answer.
     */
    public static String role(RedisServer server) {
        if (!server.isRunning() || server.isPaused()) {
            return "unreachable";
        }
        try (RespConnection conn = server.connect(PROBE_TIMEOUT)) {
            return String.valueOf(((List<?>) conn.call("ROLE")).get(0));
        } catch (RuntimeException e) {
            return "unreachable";
        }
    }

    /** Kills every process and deletes their data directories. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RedisServer> all = new ArrayList<>(sentinels);
        all.addAll(replicas);
        all.add(master);
        Launcher.closeAll(all);
    }

    @Override
    public String toString() {
        List<RedisServer> s = sentinels;
        return "RedisSentinel[" + (s.isEmpty() ? "not started"
                : "sentinels " + s.stream().map(RedisServer::hostAndPort).collect(Collectors.joining(",")))
                + "#" + masterName + ", master " + master.hostAndPort()
                + (replicaCount > 0 ? ", replicas " + replicas.stream().map(RedisServer::hostAndPort).toList() : "")
                + (closed ? ", closed" : "") + "]";
    }

    private RedisServer.Builder newServer() {
        RedisServer.Builder b = RedisServer.builder().startTimeout(startTimeout);
        if (binary != null) {
            b.binary(binary);
        }
        return b;
    }

    private RedisServer newSentinel() {
        String port = Integer.toString(master.port());
        String quorum = Integer.toString(sentinelCount / 2 + 1);
        // each "--sentinel ..." argument becomes one "sentinel ..." config line; the bare
        // "--sentinel" switches redis-server into Sentinel mode
        return newServer()
                .arg("--sentinel")
                .arg("--sentinel", "monitor", masterName, master.host(), port, quorum)
                .arg("--sentinel", "down-after-milliseconds", masterName, "1000")
                .arg("--sentinel", "failover-timeout", masterName, "2000")
                .build();
    }

    private String masterAddress(RedisServer s) {
        try (RespConnection conn = s.connect(PROBE_TIMEOUT)) {
            Object reply = conn.call("SENTINEL", "get-master-addr-by-name", masterName);
            if (reply instanceof List<?> addr && addr.size() == 2) {
                return addr.get(0) + ":" + addr.get(1);
            }
            return null;
        }
    }

    private void awaitReplicasLinked(Duration timeout) {
        for (RedisServer r : replicas) {
            Launcher.await(timeout, POLL_MILLIS, () -> Optional.of(r).filter(RedisSentinel::linkUp),
                    () -> "replica " + r.hostAndPort() + " did not sync with master " + master.hostAndPort() + " within "
                            + timeout + "." + System.lineSeparator() + "Replica log tail:" + System.lineSeparator()
                            + r.logTail(20));
        }
    }

    private static boolean linkUp(RedisServer replica) {
        try (RespConnection conn = replica.connect(PROBE_TIMEOUT)) {
            return ((String) conn.call("INFO", "replication")).contains("master_link_status:up");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Every sentinel names a server of this launcher as master; on the first start, that is the
     * first master, and each sentinel also knows every replica and every other sentinel.
     */
    private void awaitSentinelsReady(Duration timeout, boolean first) {
        for (RedisServer s : sentinels) {
            AtomicReference<String> last = new AtomicReference<>();
            AtomicReference<RuntimeException> lastError = new AtomicReference<>();
            Launcher.await(timeout, POLL_MILLIS, () -> {
                try {
                    last.set(sentinelView(s));
                    return Optional.of(s).filter(x -> ready(last.get(), first));
                } catch (RuntimeException e) {
                    lastError.set(e);
                    return Optional.empty();
                }
            }, () -> "redis sentinel at " + s.hostAndPort() + " did not report master '" + masterName + "' at "
                    + master.hostAndPort() + " with " + replicaCount + " replica(s) and " + (sentinelCount - 1)
                    + " other sentinel(s) within " + timeout + " (last answer: " + last.get()
                    + (lastError.get() != null ? ", last error: " + lastError.get().getMessage() : "") + ")."
                    + System.lineSeparator() + "Sentinel log tail:" + System.lineSeparator() + s.logTail(20));
        }
    }

    /** {@code host:port replicas=<n> sentinels=<n>} as one sentinel sees the master, or null. */
    private String sentinelView(RedisServer s) {
        String addr = masterAddress(s);
        if (addr == null) {
            return null;
        }
        try (RespConnection conn = s.connect(PROBE_TIMEOUT)) {
            List<?> fields = (List<?>) conn.call("SENTINEL", "master", masterName);
            Map<String, String> info = new HashMap<>();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                info.put(String.valueOf(fields.get(i)), String.valueOf(fields.get(i + 1)));
            }
            return addr + " replicas=" + info.get("num-slaves") + " sentinels=" + info.get("num-other-sentinels");
        }
    }

    private boolean ready(String view, boolean first) {
        if (view == null) {
            return false;
        }
        String addr = view.substring(0, view.indexOf(' '));
        if (first) {
            return view.equals(master.hostAndPort() + " replicas=" + replicaCount + " sentinels=" + (sentinelCount - 1));
        }
        return servers().stream().anyMatch(srv -> srv.hostAndPort().equals(addr));
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(deadlineNanos - System.nanoTime(), Duration.ofSeconds(1).toNanos()));
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /**
     * Options for a {@link RedisSentinel}. Defaults: master name {@code mymaster}, no replicas, one
     * sentinel, 20 second start timeout.
     */
    public static final class Builder extends LauncherBuilder<Builder, RedisSentinel> {
        private String masterName = DEFAULT_MASTER_NAME;
        private int replicas;
        private int sentinels = 1;

        private Builder() {}

        /** The name the sentinels monitor the master under (the URI fragment). */
        public Builder masterName(String name) {
            this.masterName = Check.valid(name, name != null && !name.isBlank() && name.matches("[A-Za-z0-9_.-]+"), () -> "master name must be letters, digits, '_', '.' or '-': " + name);
            return this;
        }

        /** Replicas of the master, 0 to 5 (default 0); with none, a failover cannot succeed. */
        public Builder replicas(int replicas) {
            this.replicas = Check.valid(replicas, replicas >= 0 && replicas <= 5, () -> "replicas must be 0 to 5: " + replicas);
            return this;
        }

        /** Sentinels, 1 to 5 (default 1); the quorum is a majority of them. */
        public Builder sentinels(int sentinels) {
            this.sentinels = Check.valid(sentinels, sentinels >= 1 && sentinels <= 5, () -> "sentinels must be 1 to 5: " + sentinels);
            return this;
        }

        /** Creates the master without starting anything; the executable, if set, runs every process. */
        @Override
        public RedisSentinel build() {
            return new RedisSentinel(this);
        }
    }
}
