package dev.exstate.redis.internal;

import dev.exstate.guard.BulkheadFullException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes that are acknowledged only once replicas confirm them: the write and a {@code WAIT} are
 * sent back to back on one connection (one round trip), and the result carries how many replicas
 * confirmed. {@code WAIT} blocks the connection it is sent on until it answers, so these writes go
 * over a bounded pool of dedicated connections, never the shared multiplexed one; a connection
 * goes back to the pool only once every command sent on it has answered, so a borrower always
 * has it to itself. Connections are opened on first use and reconnect on their own (through
 * Sentinel, to the current master). In a cluster each pooled connection is a cluster connection,
 * and the write goes to its node connection for the key's master. Not API.
 */
final class DurableWrites implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DurableWrites.class);

    /** What a write returned, and how many replicas confirmed everything this connection wrote. */
    record Acked<T>(T value, long replicas) {
    }

    private final int size;
    private final ArrayBlockingQueue<Slot> idle;
    private final List<Slot> all = new ArrayList<>();
    private final Supplier<CompletableFuture<? extends StatefulConnection<String, byte[]>>> connect;
    private final BiFunction<StatefulConnection<String, byte[]>, String,
            CompletionStage<RedisClusterAsyncCommands<String, byte[]>>> route;
    private final BiFunction<StatefulConnection<String, byte[]>, String,
            CompletionStage<RedisClusterAsyncCommands<String, byte[]>>> redirect;
    private final Runnable onMoved;
    private volatile boolean closed;

    /**
     * {@code connect} opens one connection to the master (or the cluster); {@code route} gives the
     * commands of a pooled connection that reach the master of {@code key}. In a cluster,
     * {@code redirect} gives those that reach a node {@code host:port} (null elsewhere), and
     * {@code onMoved} is told when a node answered MOVED (the slot map is out of date); the write
     * is then sent once more, to the node MOVED names (MOVED means it was not applied).
     */
    DurableWrites(int size, Supplier<CompletableFuture<? extends StatefulConnection<String, byte[]>>> connect,
                  BiFunction<StatefulConnection<String, byte[]>, String, CompletionStage<RedisClusterAsyncCommands<String, byte[]>>> route,
                  BiFunction<StatefulConnection<String, byte[]>, String, CompletionStage<RedisClusterAsyncCommands<String, byte[]>>> redirect,
                  Runnable onMoved) {
        this.size = size;
        this.idle = new ArrayBlockingQueue<>(size);
        this.connect = connect;
        this.route = route;
        this.redirect = redirect;
        this.onMoved = onMoved;
        for (int i = 0; i < size; i++) {
            Slot s = new Slot();
            all.add(s);
            idle.add(s);
        }
    }

    /**
     * Takes a connection for one write, waiting at most {@code wait} for one to come free.
     *
     * @throws BulkheadFullException if none came free: this replica's own limit, not an outage
     */
    Slot borrow(String backend, String operation, Duration wait) {
        Slot s;
        long start = System.nanoTime();
        try {
            s = idle.poll(Math.max(0, wait.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s = null;
        }
        if (s == null) {
            throw new BulkheadFullException(backend, operation, Duration.ofNanos(System.nanoTime() - start),
                    "all " + size + " connections for writes that wait for replicas were busy for the whole deadline; "
                            + "nothing was written. Raise RedisOptions.durableConnections, or check why the replicas "
                            + "confirm slowly (INFO replication on the master)", null);
        }
        return s;
    }

    /** {@code host:port} of a MOVED reply in {@code e}, else null. */
    private static String movedTo(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof RedisCommandExecutionException && cause.getMessage() != null
                && cause.getMessage().startsWith("MOVED ")) {
            String[] parts = cause.getMessage().trim().split(" ");
            return parts.length >= 3 && parts[2].lastIndexOf(':') > 0 ? parts[2] : null;
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        for (Slot s : all) {
            s.close();
        }
    }

    /** One pooled connection; used by one borrower at a time. */
    final class Slot {
        private CompletableFuture<? extends StatefulConnection<String, byte[]>> connection;
        // completes once every command sent so far has answered; the slot is idle again after it
        private CompletableFuture<?> settled = CompletableFuture.completedFuture(null);

        /**
         * Sends the body's commands, then {@code WAIT replicas waitMs}, on this connection (or its
         * node connection for {@code key}); completes with the body's value and the replicas that
         * confirmed. The body's error wins over the WAIT's: a refused write is the caller's error.
         */
        synchronized <T> CompletableFuture<Acked<T>> write(String key, int replicas, long waitMs,
                Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> body) {
            CompletableFuture<Acked<T>> sent;
            try {
                sent = connection().thenCompose(c -> route.apply(c, key)
                        .thenCompose(commands -> send(commands, replicas, waitMs, body))
                        .exceptionallyCompose(e -> {
                            String to = movedTo(e);
                            if (to == null || redirect == null) {
                                return CompletableFuture.failedFuture(e);
                            }
                            onMoved.run();
                            return redirect.apply(c, to).thenCompose(commands -> send(commands, replicas, waitMs, body));
                        })).toCompletableFuture();
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<?> before = settled;
            settled = sent.handle((v, e) -> null).thenCombine(before, (a, b) -> null);
            // a copy: the guard cancels what it abandons, which must not mark the slot settled early
            return sent.thenApply(a -> a);
        }

        /** Puts the slot back once everything sent on it has answered. */
        synchronized void release() {
            settled.whenComplete((v, e) -> {
                if (!closed) {
                    idle.add(this);
                }
            });
        }

        private CompletableFuture<? extends StatefulConnection<String, byte[]>> connection() {
            CompletableFuture<? extends StatefulConnection<String, byte[]>> c = connection;
            if (c == null || c.isCompletedExceptionally()) {
                // first use, or the last connect failed: Lettuce reconnects an open connection by itself
                c = connect.get();
                connection = c;
            }
            return c;
        }

        private <T> CompletableFuture<Acked<T>> send(RedisClusterAsyncCommands<String, byte[]> commands, int replicas,
                long waitMs, Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> body) {
            long sent = System.nanoTime();
            CompletableFuture<T> value = body.apply(commands).toCompletableFuture();
            CompletableFuture<Long> firstWait = commands.waitForReplication(replicas, waitMs).toCompletableFuture();
            CompletableFuture<Long> acked = value.handle((v, e) -> e).thenCompose(e -> {
                if (e != null || !firstWait.isDone()) {
                    // replies come in order: the body answered before the WAIT, so the WAIT came after
                    // every command of the body and covers them
                    return firstWait;
                }
                // the body answered after the WAIT: it sent a command later (EVAL after NOSCRIPT, once
                // per script and master), so wait again, for what is left of the same budget
                long left = Math.max(1, waitMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                return commands.waitForReplication(replicas, left).toCompletableFuture();
            });
            return value.exceptionallyCompose(e -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                // wait for the WAIT too, so the caller's error arrives once the connection is quiet
                return acked.handle((r, x) -> null).thenCompose(x -> CompletableFuture.failedFuture(cause));
            }).thenCombine(acked, Acked::new);
        }

        synchronized void close() {
            CompletableFuture<? extends StatefulConnection<String, byte[]>> c = connection;
            if (c == null) {
                return;
            }
            c.whenComplete((conn, e) -> {
                if (conn != null) {
                    try {
                        conn.close();
                    } catch (RuntimeException x) {
                        log.debug("redis: closing a connection for durable writes failed", x);
                    }
                }
            });
        }
    }
}
