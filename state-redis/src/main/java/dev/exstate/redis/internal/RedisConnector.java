package dev.exstate.redis.internal;

import dev.exstate.guard.Guard;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.internal.Redaction;
import dev.exstate.internal.startup.StartupRetry;
import dev.exstate.redis.RedisDurability;
import dev.exstate.redis.RedisOptions;
import dev.exstate.runtime.ProcessLocal;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.push.RedisClusterPushListener;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns everything Lettuce: client resources (2 I/O + 2 computation daemon threads named
 * {@code exstate-redis-...}), the client, the multiplexed connection(s), near-cache invalidation
 * (client tracking, or a pub/sub connection, see {@link RedisOptions.InvalidationMode}) and the
 * heartbeat. Not API.
 *
 * <p>Connections reject commands while disconnected (instead of queueing them without bound),
 * so a call during an outage fails at once and the guard decides what happens; Lettuce keeps
 * reconnecting in the background with a capped backoff (10 ms doubling to 500 ms: a restarted
 * server is found again within half a second, at the cost of at most two connection attempts per
 * second per connection while it is down).
 */
public final class RedisConnector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisConnector.class);
    public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    private static final int REQUEST_QUEUE_SIZE = 65_536;

    private final RedisOptions options;
    // the URIs with their user info, and the password: RedisOptions shows neither
    private final List<String> connectUris;
    private final String password;
    // null: Lettuce's TLS defaults; read before anything starts, so a bad file fails as bad input
    private final SslOptions sslOptions;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final List<StatefulConnection<String, byte[]>> connections = new ArrayList<>();
    private final List<RedisClusterAsyncCommands<String, byte[]>> commands = new ArrayList<>();
    private final List<StatefulRedisClusterConnection<String, byte[]>> clusterConnections = new ArrayList<>();
    // set before any push or connection event can reach it; read from Lettuce's threads
    private volatile Tracking tracking;
    // the channel the session scripts publish changed keys on, or null if they must not publish
    private final String invalidationChannel;
    private final ScheduledFuture<?> heartbeat;
    private final AtomicInteger next = new AtomicInteger();
    private final Set<String> adding = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    // the pool for writes that wait for replicas; opened on first use (see writes)
    private DurableWrites durableWrites;

    private RedisConnector(RedisOptions options, List<String> connectUris, String password, String channel) {
        this.options = options;
        this.connectUris = List.copyOf(connectUris);
        this.password = password;
        this.sslOptions = RedisTls.sslOptions(options);
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .threadFactoryProvider(pool -> new DefaultThreadFactory("exstate-redis-" + pool, true))
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(500), 2, TimeUnit.MILLISECONDS))
                .build();
        AbstractRedisClient created = null;
        Tracking t = null;
        ScheduledFuture<?> beat = null;
        String publishOn = null;
        try {
            Duration pingTimeout = min(options.commandTimeout(), max(options.heartbeatInterval(), Duration.ofMillis(500)));
            if (options.topology() == RedisOptions.Topology.CLUSTER) {
                RedisClusterClient cc = RedisClusterClient.create(resources, connectUris.stream().map(this::toUri).toList());
                cc.setOptions(ClusterClientOptions.builder(clientOptions())
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                // adaptive refresh (MOVED, ASK, reconnects) is on by default in Lettuce 7
                                .enablePeriodicRefresh(Duration.ofSeconds(60))
                                .build())
                        .build());
                created = cc;
                StatefulRedisClusterConnection<String, byte[]> first = cc.connect(CODEC);
                register(first);
                RedisOptions.InvalidationMode mode = resolveMode(() -> anyNode(first));
                t = new Tracking(mode == RedisOptions.InvalidationMode.TRACKING, pingTimeout, resources.eventExecutorGroup());
                this.tracking = t;
                first.addListener((RedisClusterPushListener) (node, message) -> tracking.onPush(message));
                for (int i = 1; i < options.connections(); i++) {
                    StatefulRedisClusterConnection<String, byte[]> c = cc.connect(CODEC);
                    register(c);
                    c.addListener((RedisClusterPushListener) (node, message) -> tracking.onPush(message));
                }
                if (mode == RedisOptions.InvalidationMode.PUBSUB) {
                    // PUBLISH in a cluster reaches every node: one subscription on any node hears all
                    StatefulRedisPubSubConnection<String, byte[]> ps = cc.connectPubSub(CODEC);
                    connections.add(ps);
                    t.addPubSub(ps, "cluster", channel);
                    publishOn = channel;
                }
                syncClusterNodes();
                // the first sync connects asynchronously; wait until every master is watched
                long deadline = System.nanoTime() + options.commandTimeout().multipliedBy(2).toNanos();
                while (!adding.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            } else {
                RedisClient rc = RedisClient.create(resources);
                rc.setOptions(clientOptions());
                created = rc;
                RedisURI uri = toUri(connectUris.get(0));
                StatefulRedisConnection<String, byte[]> first = rc.connect(CODEC, uri);
                register(first);
                RedisOptions.InvalidationMode mode = resolveMode(() -> first);
                t = new Tracking(mode == RedisOptions.InvalidationMode.TRACKING, pingTimeout, resources.eventExecutorGroup());
                this.tracking = t;
                List<StatefulRedisConnection<String, byte[]>> all = new ArrayList<>();
                all.add(first);
                for (int i = 1; i < options.connections(); i++) {
                    StatefulRedisConnection<String, byte[]> c = rc.connect(CODEC, uri);
                    register(c);
                    all.add(c);
                }
                for (StatefulRedisConnection<String, byte[]> c : all) {
                    Tracking tr = t;
                    c.addListener((PushListener) tr::onPush);
                    tr.add(c, address(uri));
                }
                if (mode == RedisOptions.InvalidationMode.PUBSUB) {
                    StatefulRedisPubSubConnection<String, byte[]> ps = rc.connectPubSub(CODEC, uri);
                    connections.add(ps);
                    t.addPubSub(ps, address(uri), channel);
                    publishOn = channel;
                }
            }
            if (!t.awaitUp(options.commandTimeout().multipliedBy(2))) {
                throw new IllegalStateException("connections did not become ready: " + t.problem());
            }
            long period = options.heartbeatInterval().toMillis();
            beat = startHeartbeat(period);
        } catch (RuntimeException | InterruptedException e) {
            connections.forEach(c -> closeQuietly(c));
            if (created != null) {
                created.shutdown(0, 2, TimeUnit.SECONDS);
            }
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            StateAccessDeniedException denied = accessDenied(options, e);
            if (denied != null) {
                throw denied;
            }
            String tlsProblem = RedisTls.handshakeProblem(e);
            if (tlsProblem != null) {
                // a certificate one side refuses does not get better by retrying: fail at once, like refused credentials
                throw new StateAccessDeniedException("redis", "connect", "redis connect: TLS handshake with redis at "
                        + options.uris().stream().map(Redaction::url).toList() + " failed: " + tlsProblem, e);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting", e);
            }
            // connect() decides whether to try again
            throw (RuntimeException) e;
        }
        this.client = created;
        this.heartbeat = beat;
        this.invalidationChannel = publishOn;
    }

    /**
     * Connects, sets up near-cache invalidation and waits until every connection is ready,
     * retrying within {@link RedisOptions#startupTimeout()} (each attempt bounded by the command
     * timeout). {@code invalidationChannel} is the app's pub/sub channel, used if the mode
     * resolves to pub/sub. {@code connectUris} are the options' URIs with their user info and
     * {@code password} the options' password ({@code null}: none); {@link RedisOptions} hands
     * neither out, so {@code RedisState} passes them.
     *
     * @throws StateAccessDeniedException at once if Redis refuses the credentials
     * @throws dev.exstate.guard.StateUnavailableException if no attempt succeeded within the start-up timeout
     */
    public static RedisConnector connect(RedisOptions options, List<String> connectUris, String password,
            String invalidationChannel) {
        java.util.Objects.requireNonNull(connectUris, "connectUris");
        java.util.Objects.requireNonNull(invalidationChannel, "invalidationChannel");
        return StartupRetry.connect("redis", describe(options), options.startupTimeout(),
                "check that Redis runs there and that the URI and TLS settings are right",
                () -> new RedisConnector(options, connectUris, password, invalidationChannel));
    }

    /**
     * A {@link StateAccessDeniedException} if {@code e} (or an error inside it) is Redis refusing
     * the credentials or the user's permissions, else {@code null}. Redis's own reply is quoted:
     * it never contains the password.
     */
    static StateAccessDeniedException accessDenied(RedisOptions options, Throwable e) {
        Throwable refusal = find(e, 0);
        if (refusal == null) {
            return null;
        }
        String reply = refusal.getMessage().strip();
        int nl = reply.indexOf('\n');
        reply = nl < 0 ? reply : reply.substring(0, nl);
        String who = options.username() != null ? "ACL user '" + options.username() + "'" : "the default user";
        String what = reply.startsWith("NOPERM")
                ? "a command the Redis providers need; check the ACL rules of " + who
                : "the credentials; check the password of " + who + " in RedisOptions (or the URI)";
        return new StateAccessDeniedException("redis", "connect", "redis connect refused by " + describe(options)
                + " (" + reply + "): Redis refused " + what, refusal);
    }

    private static Throwable find(Throwable t, int depth) {
        if (t == null || depth > 10) {
            return null;
        }
        String m = t.getMessage();
        if (m != null) {
            String reply = m.strip();
            if (reply.startsWith("WRONGPASS") || reply.startsWith("NOAUTH") || reply.startsWith("NOPERM")
                    || reply.startsWith("ERR invalid password") || reply.contains("called without any password configured")
                    || reply.contains("Client sent AUTH, but no password is set")) {
                return t;
            }
        }
        for (Throwable s : t.getSuppressed()) {
            Throwable found = find(s, depth + 1);
            if (found != null) {
                return found;
            }
        }
        return t.getCause() == t ? null : find(t.getCause(), depth + 1);
    }

    public RedisOptions options() {
        return options;
    }

    /** The async commands of the next connection (round robin); never blocks. */
    public RedisClusterAsyncCommands<String, byte[]> commands() {
        if (commands.size() == 1) {
            return commands.get(0);
        }
        return commands.get(Math.floorMod(next.getAndIncrement(), commands.size()));
    }

    /**
     * The writes of one capability ({@code "session"}, {@code "lease"}) at {@code durability}, under
     * {@code guard}. Writes that wait for replicas share one bounded pool of dedicated connections
     * ({@link RedisOptions#durableConnections()}), opened on the first such write.
     */
    public Writes writes(String capability, RedisDurability durability, Guard guard) {
        return new Writes(this, guard, capability, durability, durability.waitsForReplicas() ? durableWrites() : null);
    }

    private synchronized DurableWrites durableWrites() {
        if (durableWrites == null) {
            durableWrites = newDurableWrites();
        }
        return durableWrites;
    }

    private DurableWrites newDurableWrites() {
        int size = options.durableConnections();
        if (client instanceof RedisClusterClient cc) {
            return new DurableWrites(size, () -> cc.connectAsync(CODEC), (c, key) -> {
                StatefulRedisClusterConnection<String, byte[]> scc = (StatefulRedisClusterConnection<String, byte[]>) c;
                RedisClusterNode node = scc.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
                if (node == null || node.getUri() == null) {
                    cc.refreshPartitionsAsync();
                    return CompletableFuture.failedFuture(new RedisException(
                            "no master is known for the slot of a key; the cluster's slot map is being refreshed"));
                }
                return scc.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort(), ConnectionIntent.WRITE)
                        .thenApply(n -> (RedisClusterAsyncCommands<String, byte[]>) n.async());
            }, (c, hostPort) -> {
                int colon = hostPort.lastIndexOf(':');
                return ((StatefulRedisClusterConnection<String, byte[]>) c)
                        .getConnectionAsync(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)),
                                ConnectionIntent.WRITE)
                        .thenApply(n -> (RedisClusterAsyncCommands<String, byte[]>) n.async());
            }, cc::refreshPartitionsAsync);
        }
        RedisClient rc = (RedisClient) client;
        RedisURI uri = toUri(connectUris.get(0));
        return new DurableWrites(size, () -> rc.connectAsync(CODEC, uri).toCompletableFuture(),
                (c, key) -> CompletableFuture.<RedisClusterAsyncCommands<String, byte[]>>completedFuture(
                        ((StatefulRedisConnection<String, byte[]>) c).async()),
                null, () -> { });
    }

    public Tracking tracking() {
        return tracking;
    }

    /** True if client tracking is on (the server supports it and it was asked for). */
    public boolean trackingEnabled() {
        return tracking.trackingEnabled();
    }

    /** The channel session writes must publish their key on, or {@code null} if they must not publish. */
    public String invalidationChannel() {
        return invalidationChannel;
    }

    /** True if a near cache may be used: invalidations arrive by client tracking or pub/sub. */
    public boolean nearCacheAvailable() {
        return tracking.trackingEnabled() || invalidationChannel != null;
    }

    public boolean isClosed() {
        return closed;
    }

    /** A short description of the deployment for errors and health, without credentials. */
    public String describe() {
        return describe(options);
    }

    private static String describe(RedisOptions options) {
        return options.topology().name().toLowerCase(java.util.Locale.ROOT) + " "
                + options.uris().stream().map(Redaction::url).toList();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.cancel(false);
        if (durableWrites != null) {
            durableWrites.close();
        }
        for (StatefulConnection<String, byte[]> c : connections) {
            closeQuietly(c);
        }
        try {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            log.debug("redis: client shutdown failed", e);
        }
        try {
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.debug("redis: client resources shutdown failed", e);
        }
    }

    @ProcessLocal("pings this replica's own connections: every replica must run it")
    private ScheduledFuture<?> startHeartbeat(long periodMillis) {
        return resources.eventExecutorGroup().scheduleAtFixedRate(this::heartbeat, periodMillis, periodMillis,
                TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        if (closed) {
            return;
        }
        try {
            if (!clusterConnections.isEmpty()) {
                syncClusterNodes();
            }
            tracking.heartbeat();
        } catch (RuntimeException e) {
            log.debug("redis: heartbeat failed", e);
        }
    }

    /**
     * Watches one connection to every master of the cluster (the same pooled connections Lettuce
     * routes slot commands over), adding new masters and dropping former ones; replicas are
     * watched as standby (see {@link Tracking}).
     */
    private void syncClusterNodes() {
        Tracking t = tracking;
        Set<String> masters = new HashSet<>();
        Set<String> replicas = new HashSet<>();
        for (int i = 0; i < clusterConnections.size(); i++) {
            StatefulRedisClusterConnection<String, byte[]> cc = clusterConnections.get(i);
            for (RedisClusterNode node : cc.getPartitions()) {
                boolean master = node.is(RedisClusterNode.NodeFlag.UPSTREAM);
                boolean replica = node.is(RedisClusterNode.NodeFlag.REPLICA) && !node.is(RedisClusterNode.NodeFlag.FAIL);
                if ((!master && !replica) || node.getUri() == null) {
                    continue;
                }
                String host = node.getUri().getHost();
                int port = node.getUri().getPort();
                String address = (clusterConnections.size() > 1 ? "#" + i + " " : "") + host + ":" + port;
                (master ? masters : replicas).add(address);
                if (!t.isWatching(address) && adding.add(address)) {
                    // the pooled connection Lettuce routes this node's slots over (same intent, host
                    // and port), also for a replica: the one a MOVED redirect reaches after it is promoted
                    cc.getConnectionAsync(host, port, ConnectionIntent.WRITE).whenComplete((nodeConnection, error) -> {
                        try {
                            if (error == null && !closed) {
                                t.add(nodeConnection, address, !master);
                            } else if (error != null) {
                                log.debug("redis: cannot connect to cluster node {} yet: {}", address, error.toString());
                            }
                        } finally {
                            adding.remove(address);
                        }
                    });
                }
            }
        }
        replicas.removeAll(masters);
        t.retain(masters, replicas);
    }

    private static StatefulRedisConnection<String, byte[]> anyNode(StatefulRedisClusterConnection<String, byte[]> cc) {
        for (RedisClusterNode node : cc.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && node.getUri() != null) {
                return cc.getConnection(node.getUri().getHost(), node.getUri().getPort(), ConnectionIntent.WRITE);
            }
        }
        throw new IllegalStateException("the cluster reports no master node");
    }

    /**
     * The invalidation mode in effect: TRACKING, PUBSUB or NONE. AUTO and TRACKING ask the server
     * whether it can track; AUTO then falls back to pub/sub, TRACKING to no near cache.
     */
    private RedisOptions.InvalidationMode resolveMode(java.util.function.Supplier<StatefulRedisConnection<String, byte[]>> probe) {
        if (!options.nearCacheEnabled()) {
            return RedisOptions.InvalidationMode.NONE;
        }
        return switch (options.invalidation()) {
            case NONE -> RedisOptions.InvalidationMode.NONE;
            case PUBSUB -> RedisOptions.InvalidationMode.PUBSUB;
            case TRACKING, AUTO -> {
                String problem = probeTracking(probe.get());
                if (problem == null) {
                    yield RedisOptions.InvalidationMode.TRACKING;
                }
                if (options.invalidation() == RedisOptions.InvalidationMode.TRACKING) {
                    log.warn("redis: the server does not support RESP3 client tracking ({}); the session near cache is off. "
                            + "Use Redis 6 or later, or invalidation mode AUTO or PUBSUB.", problem);
                    yield RedisOptions.InvalidationMode.NONE;
                }
                log.info("redis: the server does not support RESP3 client tracking ({}); the session near cache is "
                        + "invalidated by pub/sub instead", problem);
                yield RedisOptions.InvalidationMode.PUBSUB;
            }
        };
    }

    /** Null if the server accepts {@code CLIENT TRACKING on}, else why not. */
    private static String probeTracking(StatefulRedisConnection<String, byte[]> connection) {
        try {
            connection.sync().clientTracking(TrackingArgs.Builder.enabled());
            return null;
        } catch (RedisCommandExecutionException e) {
            return e.getMessage();
        }
    }

    private void register(StatefulRedisConnection<String, byte[]> c) {
        connections.add(c);
        commands.add(c.async());
    }

    private void register(StatefulRedisClusterConnection<String, byte[]> c) {
        connections.add(c);
        clusterConnections.add(c);
        commands.add(c.async());
    }

    private ClientOptions clientOptions() {
        ClientOptions.Builder b = ClientOptions.builder();
        if (sslOptions != null) {
            b.sslOptions(sslOptions);
        }
        return b
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                // No per-command timer: the guard is the one place that times a data call (it waits
                // on the command's future and cancels it at its deadline); a second, Lettuce-side
                // timeout would only cost a timer entry per command, or fire first and preempt the
                // guard's fallback. Sync commands (start-up probes) keep the URI's timeout.
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(min(options.commandTimeout(), Duration.ofSeconds(10)))
                        .keepAlive(true)
                        .build())
                .build();
    }

    private RedisURI toUri(String text) {
        RedisURI uri = RedisURI.create(text);
        if (options.tls()) {
            uri.setSsl(true);
        }
        if (uri.isSsl()) {
            uri.setVerifyPeer(options.verifyPeer() ? SslVerifyMode.FULL : SslVerifyMode.NONE);
        }
        if (password != null) {
            String user = options.username();
            String secret = password;
            uri.setCredentialsProvider(RedisCredentialsProvider.from(() -> RedisCredentials.just(user, secret)));
        }
        uri.setTimeout(options.commandTimeout());
        return uri;
    }

    private static String address(RedisURI uri) {
        return uri.getHost() != null ? uri.getHost() + ":" + uri.getPort() : "sentinel " + uri.getSentinelMasterId();
    }

    private static void closeQuietly(StatefulConnection<?, ?> c) {
        try {
            c.close();
        } catch (RuntimeException e) {
            log.debug("redis: closing a connection failed", e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
