package dev.exstate.testkit.backend;

import dev.exstate.internal.Check;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An etcd cluster of (by default) 3 members on loopback, each an {@link EtcdServer} with its own
 * ports and data directory, so a test can kill, pause or restart single members and watch the
 * client fail over.
 *
 * <p>{@code start()} launches all members together (they must find each other to elect a
 * leader) and returns once every member is healthy and they agree on a leader.
 * {@link #leader()} reports the leader the running members agree on. {@link #close()} kills
 * every member and deletes its data. Thread-safe.
 */
public final class EtcdCluster implements Launcher<EtcdCluster> {
    private static final Logger log = LoggerFactory.getLogger(EtcdCluster.class);
    private static final Duration STATUS_TIMEOUT = Duration.ofMillis(500);
    private static final int MAX_PORT_ATTEMPTS = 3;

    private final List<EtcdServer> members;
    private final Duration startTimeout;

    private EtcdCluster(Builder b) {
        this.startTimeout = b.startTimeout;
        String token = "exstate-" + UUID.randomUUID();
        List<EtcdServer> list = new ArrayList<>();
        try {
            for (int i = 0; i < b.members; i++) {
                EtcdServer.Builder mb = EtcdServer.builder()
                        .name("member-" + i)
                        .heartbeatInterval(b.heartbeatInterval)
                        .electionTimeout(b.electionTimeout)
                        .startTimeout(b.startTimeout)
                        .clusterToken(token);
                if (b.binary != null) {
                    mb.binary(b.binary);
                }
                list.add(mb.build());
            }
        } catch (RuntimeException e) {
            Launcher.closeAll(list);
            throw e;
        }
        this.members = List.copyOf(list);
        assignPorts();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Members in creation order, named {@code member-0}, {@code member-1}, ... */
    public List<EtcdServer> members() {
        return members;
    }

    public EtcdServer member(int index) {
        return members.get(index);
    }

    /** Client URLs of all members, e.g. for a client's endpoint list. */
    public List<String> endpoints() {
        return members.stream().map(EtcdServer::endpoint).toList();
    }

    /** Client URLs of all members, comma separated (the form etcdctl takes). */
    public String endpointsCsv() {
        return String.join(",", endpoints());
    }

    /**
     * Launches all members that are not running and waits until each is healthy and a leader is
     * agreed. On the first start a port clash restarts the whole attempt on fresh ports.
     *
     * @throws BackendStartException if the cluster does not come up within the start timeout
     */
    @Override
    public synchronized EtcdCluster start() {
        for (int attempt = 1; ; attempt++) {
            try {
                for (EtcdServer m : members) {
                    if (!m.isRunning()) {
                        m.launch();
                    }
                }
                for (EtcdServer m : members) {
                    m.awaitReady(startTimeout);
                }
                awaitLeader(startTimeout);
                return this;
            } catch (BackendStartException e) {
                members.forEach(EtcdServer::kill);
                if (!e.isPortClash() || attempt >= MAX_PORT_ATTEMPTS) {
                    throw e;
                }
                log.info("etcd cluster hit a port clash, retrying on fresh ports");
                assignPorts();
            }
        }
    }

    /**
     * The leader that every running, unpaused member agrees on, and which itself claims to lead;
     * empty while an election is under way or no quorum exists.
     */
    public Optional<EtcdServer> leader() {
        Map<EtcdServer, EtcdServer.Status> statuses = statuses();
        if (statuses.isEmpty()) {
            return Optional.empty();
        }
        String agreed = null;
        for (EtcdServer.Status s : statuses.values()) {
            if ("0".equals(s.leaderId()) || (agreed != null && !agreed.equals(s.leaderId()))) {
                return Optional.empty();
            }
            agreed = s.leaderId();
        }
        for (Map.Entry<EtcdServer, EtcdServer.Status> e : statuses.entrySet()) {
            if (e.getValue().isLeader() && e.getValue().memberId().equals(agreed)) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    /**
     * Waits until {@link #leader()} names a member.
     *
     * @throws BackendStartException on timeout, with each member's last status
     */
    public EtcdServer awaitLeader(Duration timeout) {
        return Launcher.await(timeout, 50, this::leader, () -> "etcd cluster " + endpointsCsv()
                + " agreed on no leader within " + timeout + "; statuses: " + describe(statuses()));
    }

    /** Runs {@code etcdctl} (API v3) with all members as endpoints. */
    public CommandResult etcdctl(String... args) {
        return EtcdServer.runEtcdctl(endpointsCsv(), args);
    }

    /** Kills every member and deletes its data. Idempotent. */
    @Override
    public void close() {
        Launcher.closeAll(members);
    }

    @Override
    public String toString() {
        return "EtcdCluster[" + members.stream().map(m -> m.name() + "=" + m.endpoint())
                .collect(Collectors.joining(", ")) + "]";
    }

    private Map<EtcdServer, EtcdServer.Status> statuses() {
        Map<EtcdServer, EtcdServer.Status> statuses = new LinkedHashMap<>();
        for (EtcdServer m : members) {
            if (!m.isRunning() || m.isPaused()) {
                continue;
            }
            try {
                statuses.put(m, m.status(STATUS_TIMEOUT));
            } catch (UncheckedIOException e) {
                // a running member that cannot answer (starting, or partitioned) has no say
            }
        }
        return statuses;
    }

    private static String describe(Map<EtcdServer, EtcdServer.Status> statuses) {
        return statuses.entrySet().stream().map(e -> e.getKey().name() + "=" + e.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    private void assignPorts() {
        int[] client = new int[members.size()];
        int[] peer = new int[members.size()];
        StringBuilder initialCluster = new StringBuilder();
        for (int i = 0; i < members.size(); i++) {
            client[i] = FreePorts.next();
            peer[i] = FreePorts.next();
            if (i > 0) {
                initialCluster.append(',');
            }
            initialCluster.append(members.get(i).name()).append("=http://127.0.0.1:").append(peer[i]);
        }
        for (int i = 0; i < members.size(); i++) {
            members.get(i).assignClusterPorts(client[i], peer[i], initialCluster.toString());
        }
    }

    /**
     * Options for an {@link EtcdCluster}. Defaults: 3 members, etcd's heartbeat (100 ms) and
     * election timeout (1 s), 20 second start timeout.
     */
    public static final class Builder extends LauncherBuilder<Builder, EtcdCluster> {
        private int members = 3;
        private Duration heartbeatInterval = Duration.ofMillis(100);
        private Duration electionTimeout = Duration.ofSeconds(1);

        private Builder() {}

        public Builder members(int members) {
            this.members = Check.valid(members, members >= 1, () -> "an etcd cluster needs at least one member: " + members);
            return this;
        }

        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = BackendProcess.requirePositive(interval, "heartbeatInterval");
            return this;
        }

        /** A shorter election timeout makes failover after killing the leader faster. */
        public Builder electionTimeout(Duration timeout) {
            this.electionTimeout = BackendProcess.requirePositive(timeout, "electionTimeout");
            return this;
        }

        /** Creates the members without starting them. */
        @Override
        public EtcdCluster build() {
            return new EtcdCluster(this);
        }
    }
}
