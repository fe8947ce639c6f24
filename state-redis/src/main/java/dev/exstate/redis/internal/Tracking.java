package dev.exstate.redis.internal;

import dev.exstate.cache.InvalidationListener;
import dev.exstate.cache.InvalidationSource;
import dev.exstate.internal.Backoff;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection state of every connection this replica reads through, RESP3 client tracking on
 * each of them, and the invalidations Redis pushes. Not API.
 *
 * <p>Tracking is {@code NOLOOP}: Redis sends no invalidation for a key this replica's own
 * connection changed. The session engine writes back the state its own write left instead
 * (checked by version), and every session script reads its key last, because Redis stops
 * tracking a key for a connection once it is written, NOLOOP or not.
 *
 * <p>A connection is UP only once {@code CLIENT TRACKING on} has succeeded on its current socket:
 * Redis forgets tracking when a connection drops, and Lettuce reconnects without re-enabling it,
 * so every (re)connect sets the connection PENDING and re-issues the command. A heartbeat PING
 * that fails or times out makes a connection SUSPECT: a connection that is open but silent (a
 * paused server, a network black hole) could otherwise swallow invalidations unnoticed.
 *
 * <p>Listeners hear {@code disconnected()} as soon as any connection is not UP, and
 * {@code reconnected()} (the near cache then treats everything it holds as unverified) once all
 * are UP again. Reads whose load began before {@code reconnected()} are not cached by the near
 * cache, which closes the window between a reconnect and tracking being on again.
 *
 * <p>Heartbeat as proof of delivery: Redis answers a connection's commands in order and writes an
 * invalidation push (or a pub/sub message) into the connection's stream before it answers any
 * command it processes after the write. So once the PING sent at time t on a connection is
 * answered, every invalidation for a write Redis applied before t has been handed to the
 * listeners. Listeners hear {@code heardFrom(now - t)} for the oldest such t over all
 * connections, at every heartbeat; the near cache serves as fresh only while it is recent.
 *
 * <p>In a cluster the replicas are watched too, as standby: tracking is on on the connection
 * Lettuce would use for them, so a read that reaches one right after it was promoted (through a
 * MOVED redirect while the client's slot map is still stale) is tracked like any other. A standby
 * connection that is down affects neither readiness nor freshness; one that is up counts for
 * freshness (its heartbeat must be recent), since reads may reach it.
 *
 * <p>Hooks registered with {@link #onUp} run (on the client's event executor) each time every
 * connection is UP again after a problem: the guard's breaker recovery starts from there.
 *
 * <p>With pub/sub invalidation (servers without tracking, or when asked for) there is one more
 * connection, subscribed to the app's invalidation channel, on which the session scripts publish
 * the keys they change. It is watched like the others: UP only once {@code SUBSCRIBE} has been
 * confirmed on its current socket, so a message lost while it was down is covered by the
 * {@code reconnected()} that clears the near cache.
 */
public final class Tracking implements InvalidationSource<String> {
    private static final Logger log = LoggerFactory.getLogger(Tracking.class);
    private static final int TRACKING_RETRIES = 5;
    /** Before retry n of enabling tracking: 20 ms doubling (20 to 320 ms), no jitter: one connection, no crowd. */
    private static final Backoff TRACKING_BACKOFF = new Backoff(Duration.ofMillis(20), Duration.ofMillis(320), 2, 0);

    enum State { PENDING, UP, SUSPECT, DOWN }

    /** One connection to one Redis server (a standalone server, or one cluster node). */
    final class Node {
        final StatefulRedisConnection<String, byte[]> connection;
        final String address;
        // the invalidation channel if this is the pub/sub connection, else null
        final String channel;
        State state = State.PENDING;
        // a cluster replica: watched so that reads reaching it after a promotion are tracked
        boolean standby;
        long epoch;
        boolean pingInFlight;
        boolean removed;
        String problem = "connecting";
        // System.nanoTime() at which the last answered PING (or tracking/subscribe command) was sent
        long heardAtNanos;

        Node(StatefulRedisConnection<String, byte[]> connection, String address, String channel) {
            this.connection = connection;
            this.address = address;
            this.channel = channel;
        }
    }

    private final boolean trackingEnabled;
    private final Duration pingTimeout;
    private final ScheduledExecutorService scheduler;
    private final List<Node> nodes = new ArrayList<>();
    private final List<InvalidationListener<String>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> upHooks = new CopyOnWriteArrayList<>();
    private boolean allUp;

    public Tracking(boolean trackingEnabled, Duration pingTimeout, ScheduledExecutorService scheduler) {
        this.trackingEnabled = trackingEnabled;
        this.pingTimeout = pingTimeout;
        this.scheduler = scheduler;
    }

    public boolean trackingEnabled() {
        return trackingEnabled;
    }

    /** The client's event executor, on which heartbeats and {@link #onUp} hooks run. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * Starts watching {@code connection}: registers for its connect/disconnect events and enables
     * tracking on it. Does not wait; see {@link #awaitUp}.
     */
    public void add(StatefulRedisConnection<String, byte[]> connection, String address) {
        watch(connection, address, null, false);
    }

    /** As {@link #add}; a {@code standby} connection (a cluster replica) counts only while it is up. */
    public void add(StatefulRedisConnection<String, byte[]> connection, String address, boolean standby) {
        watch(connection, address, null, standby);
    }

    /**
     * Starts watching the pub/sub {@code connection}: every message on {@code channel} names a
     * key that changed; the connection counts as UP once it is subscribed. Does not wait.
     */
    public void addPubSub(StatefulRedisPubSubConnection<String, byte[]> connection, String address, String channel) {
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, byte[] message) {
                if (channel.equals(from) && message != null) {
                    invalidate(new String(message, StandardCharsets.UTF_8));
                }
            }
        });
        watch(connection, address + " (pub/sub " + channel + ")", channel, false);
    }

    private void watch(StatefulRedisConnection<String, byte[]> connection, String address, String channel, boolean standby) {
        Node node;
        long epoch;
        synchronized (this) {
            node = new Node(connection, address, channel);
            node.standby = standby;
            nodes.add(node);
            epoch = node.epoch;
            recompute();
        }
        connection.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress remote) {
                connected(node);
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                disconnected(node);
            }
        });
        if (connection.isOpen()) {
            enableTracking(node, epoch, 0);
        }
    }

    /** Waits until every connection is UP; false on timeout. */
    public boolean awaitUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (!allUp) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /** Cluster topology changed: forget connections to nodes that no longer serve slots. */
    public synchronized void retain(Set<String> addresses) {
        retain(addresses, Set.of());
    }

    /**
     * Cluster topology changed: {@code masters} are required, {@code standbys} (replicas) watched
     * as standby; connections to any other node are forgotten.
     */
    public synchronized void retain(Set<String> masters, Set<String> standbys) {
        boolean changed = nodes.removeIf(n -> {
            // the pub/sub connection is not tied to one master: PUBLISH reaches every node
            if (n.channel == null && !masters.contains(n.address) && !standbys.contains(n.address)) {
                n.removed = true;
                return true;
            }
            return false;
        });
        for (Node n : nodes) {
            if (n.channel == null) {
                boolean standby = !masters.contains(n.address);
                changed |= n.standby != standby;
                n.standby = standby;
            }
        }
        if (changed) {
            recompute();
        }
    }

    private synchronized void forget(Node n) {
        if (nodes.remove(n)) {
            n.removed = true;
            recompute();
        }
    }

    public synchronized boolean isWatching(String address) {
        return nodes.stream().anyMatch(n -> n.address.equals(address));
    }

    /** True if every connection is up and tracked. Cheap, no I/O. */
    public synchronized boolean isUp() {
        return allUp;
    }

    /** Why this replica is not fully connected, or {@code null} if it is. Cheap, no I/O. */
    public synchronized String problem() {
        if (allUp) {
            return null;
        }
        if (nodes.isEmpty()) {
            return "no connection";
        }
        List<String> problems = new ArrayList<>();
        for (Node n : nodes) {
            if (n.state != State.UP && !n.standby) {
                problems.add(n.address + ": " + n.problem);
            }
        }
        return String.join("; ", problems);
    }

    /** One heartbeat: ping every open connection, retry tracking where it is still pending. */
    public void heartbeat() {
        List<Node> snapshot;
        synchronized (this) {
            snapshot = List.copyOf(nodes);
        }
        for (Node n : snapshot) {
            State state;
            long epoch;
            synchronized (this) {
                if (n.pingInFlight || n.removed) {
                    continue;
                }
                state = n.state;
                epoch = n.epoch;
            }
            switch (state) {
                case PENDING -> {
                    if (n.connection.isOpen()) {
                        enableTracking(n, epoch, TRACKING_RETRIES);
                    }
                }
                case UP, SUSPECT -> ping(n, epoch);
                case DOWN -> {
                    // Lettuce is reconnecting and its connect event re-enables tracking, unless
                    // Lettuce closed the connection for good (a cluster node it no longer uses):
                    // then stop watching it; the cluster sync watches its successor
                    if (n.connection instanceof RedisChannelHandler<?, ?> handler && handler.isClosed()) {
                        forget(n);
                    }
                }
            }
        }
    }

    @Override
    public synchronized AutoCloseable subscribe(InvalidationListener<String> listener) {
        listeners.add(listener);
        if (!allUp) {
            listener.disconnected();
        } else {
            listener.heardFrom(heardAgo());
        }
        return () -> listeners.remove(listener);
    }

    /**
     * Runs {@code hook} on the client's event executor each time all connections are UP again
     * after any was not (reconnected, tracking re-enabled, or answering PING again).
     */
    public void onUp(Runnable hook) {
        upHooks.add(java.util.Objects.requireNonNull(hook, "hook"));
    }

    /** Handles a RESP3 push: {@code invalidate} with a list of keys, or null for "everything". */
    public void onPush(PushMessage message) {
        if (!"invalidate".equals(message.getType())) {
            return;
        }
        List<Object> content = message.getContent(Tracking::decode);
        Object keys = content.size() > 1 ? content.get(1) : null;
        if (keys instanceof List<?> list) {
            for (Object key : list) {
                if (key instanceof String k) {
                    invalidate(k);
                }
            }
        } else {
            // a null key list: the server flushed its tracking table (FLUSHALL, table full)
            for (InvalidationListener<String> l : listeners) {
                l.invalidateAll();
            }
        }
    }

    private void invalidate(String key) {
        for (InvalidationListener<String> l : listeners) {
            l.invalidate(key);
        }
    }

    private static Object decode(ByteBuffer buffer) {
        return StringCodec.UTF8.decodeKey(buffer);
    }

    private void connected(Node n) {
        long epoch;
        synchronized (this) {
            if (n.removed) {
                return;
            }
            n.epoch++;
            n.state = State.PENDING;
            n.problem = n.channel != null ? "reconnected, subscribing" : "reconnected, enabling tracking";
            epoch = n.epoch;
            recompute();
        }
        enableTracking(n, epoch, 0);
    }

    private void disconnected(Node n) {
        synchronized (this) {
            if (n.removed) {
                return;
            }
            n.epoch++;
            n.state = State.DOWN;
            n.problem = "disconnected";
            recompute();
        }
    }

    /** Enables tracking on a data connection, or subscribes the pub/sub connection. */
    @SuppressWarnings("unchecked")
    private void enableTracking(Node n, long epoch, int attempt) {
        long sentAt = System.nanoTime();
        java.util.concurrent.CompletionStage<?> enabling;
        if (n.channel != null) {
            enabling = ((StatefulRedisPubSubConnection<String, byte[]>) n.connection).async().subscribe(n.channel);
        } else if (trackingEnabled) {
            // NOLOOP: this replica's own writes keep its near-cache entry (it writes back the state it
            // left, see SessionEngine); the session scripts read the key last so it stays tracked
            enabling = n.connection.async().clientTracking(TrackingArgs.Builder.enabled().noloop());
        } else {
            markUp(n, epoch, sentAt);
            return;
        }
        enabling.whenComplete((ok, error) -> {
            if (error == null) {
                markUp(n, epoch, sentAt);
                return;
            }
            synchronized (this) {
                if (n.epoch != epoch) {
                    return;
                }
                n.problem = (n.channel != null ? "cannot subscribe to " + n.channel + ": " : "cannot enable client tracking: ")
                        + error.getMessage();
            }
            // the connect event can come a moment before the connection accepts commands
            if (attempt < TRACKING_RETRIES) {
                scheduler.schedule(() -> {
                    synchronized (this) {
                        if (n.epoch != epoch || n.state != State.PENDING) {
                            return;
                        }
                    }
                    enableTracking(n, epoch, attempt + 1);
                }, TRACKING_BACKOFF.delay(attempt + 1).toNanos(), TimeUnit.NANOSECONDS);
            } else {
                log.debug("redis: enabling invalidations on {} failed; the heartbeat retries: {}", n.address, error.toString());
            }
        });
    }

    private synchronized void markUp(Node n, long epoch, long sentAt) {
        if (n.epoch == epoch && n.state == State.PENDING && !n.removed) {
            n.state = State.UP;
            n.problem = "";
            n.heardAtNanos = sentAt;
            recompute();
        }
    }

    private void ping(Node n, long epoch) {
        long sentAt = System.nanoTime();
        synchronized (this) {
            n.pingInFlight = true;
        }
        n.connection.async().ping().toCompletableFuture()
                .orTimeout(pingTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((pong, error) -> {
                    synchronized (this) {
                        n.pingInFlight = false;
                        if (n.epoch != epoch || n.removed) {
                            return;
                        }
                        // on a RESP2 pub/sub connection PING gets an unusual reply that may
                        // surface as an error: still an answer, so the connection is alive
                        boolean answered = error == null || (n.channel != null && rootCause(error) instanceof RedisCommandExecutionException);
                        if (answered) {
                            if (sentAt - n.heardAtNanos > 0) {
                                n.heardAtNanos = sentAt;
                            }
                            if (n.state == State.SUSPECT) {
                                n.state = State.UP;
                                n.problem = "";
                                recompute();
                            } else if (allUp) {
                                reportHeard();
                            }
                        } else if (n.state == State.UP) {
                            n.state = State.SUSPECT;
                            n.problem = "not answering PING within " + pingTimeout.toMillis() + " ms";
                            recompute();
                        }
                    }
                });
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** Caller holds the lock. */
    private void recompute() {
        boolean up = nodes.stream().anyMatch(n -> !n.standby);
        for (Node n : nodes) {
            up &= n.standby || n.state == State.UP;
        }
        if (up == allUp) {
            return;
        }
        allUp = up;
        notifyAll();
        for (InvalidationListener<String> l : listeners) {
            try {
                if (up) {
                    l.reconnected();
                } else {
                    l.disconnected();
                }
            } catch (RuntimeException e) {
                log.warn("redis: invalidation listener failed on {}", up ? "reconnect" : "disconnect", e);
            }
        }
        if (up) {
            reportHeard();
            for (Runnable hook : upHooks) {
                try {
                    scheduler.execute(hook);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    log.debug("redis: client is shutting down; not running the reconnect hook");
                }
            }
        }
    }

    /** Caller holds the lock and all connections are UP. */
    private void reportHeard() {
        Duration ago = heardAgo();
        for (InvalidationListener<String> l : listeners) {
            try {
                l.heardFrom(ago);
            } catch (RuntimeException e) {
                log.warn("redis: invalidation listener failed on heartbeat", e);
            }
        }
    }

    /** How long ago the oldest connection last proved delivery. Caller holds the lock. */
    private Duration heardAgo() {
        long now = System.nanoTime();
        long oldest = now;
        for (Node n : nodes) {
            if (n.standby && n.state != State.UP) {
                continue;
            }
            if (n.heardAtNanos - oldest < 0) {
                oldest = n.heardAtNanos;
            }
        }
        return Duration.ofNanos(Math.max(0, now - oldest));
    }
}
