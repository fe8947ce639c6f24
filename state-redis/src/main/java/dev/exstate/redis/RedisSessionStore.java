package dev.exstate.redis;

import dev.exstate.cache.NearCacheStats;
import dev.exstate.codec.Codec;
import dev.exstate.redis.internal.SessionEngine;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * A {@link SessionStore} on Redis; get one from {@link RedisState}.
 *
 * <p>Each session is one hash {@code <prefix>:<app>:session:{<id>}} with a TTL. A save writes
 * only the changed attributes, checks the limits against the resulting session and refreshes the
 * TTL in one Lua script (one round trip), so replicas that change different attributes never
 * lose each other's writes. {@link #compute} is an optimistic compare-and-set loop. Reads refresh
 * the TTL at most once per touch interval.
 *
 * <p>With the near cache on (the default), {@link #find} of a session this replica read or wrote
 * recently is answered locally (a save or compute by this replica leaves the saved state cached,
 * when no other replica wrote in between); Redis client tracking (or, on servers without it, pub/sub: see
 * {@link RedisOptions.InvalidationMode}) drops it as soon as any replica changes it. Across
 * replicas this is eventually consistent, with a bound. Redis pushes the invalidation before it
 * acknowledges the write, but the other replica applies it a moment later: measured on loopback
 * on a busy 2-core machine, about a third of reads made right after another replica's
 * acknowledged write still returned the previous version, for under 3 ms (median) and 60 ms at
 * most. A cached session is served as fresh only while this replica's invalidation connection
 * has answered a heartbeat sent within {@link RedisOptions#freshnessWindow()} (1 s by default),
 * so on any link, slow or silently broken, a read never returns as fresh a version older than
 * Redis held one window before it. {@link #findFresh} reads Redis itself, for when another
 * replica's write must be seen at once. Sessions cached before a reconnect are re-read before they
 * are served as fresh again. When Redis fails, cached sessions are served stale within the guard
 * policy's {@code maxStaleness} (including right after Redis is back, while the breaker still
 * probes); everything else fails with {@link dev.exstate.guard.StateUnavailableException} within
 * the policy's timeout.
 *
 * <p>Thread-safe. Every method blocks for at most the guard's total timeout: {@link #compute}
 * too, its read, compare-and-set attempts and backoff included; {@link #update} once for the
 * read, unless the near cache answers it, and once for the save, if its work changed anything.
 * {@link #close()} releases this store's share of the Redis connection.
 */
public final class RedisSessionStore implements SessionStore {
    private final SessionEngine engine;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    RedisSessionStore(SessionEngine engine, Runnable onClose) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.onClose = Objects.requireNonNull(onClose, "onClose");
    }

    @Override
    public Session create() {
        return openEngine().create();
    }

    @Override
    public Optional<Session> find(SessionId id) {
        return engineFor(id).find(id);
    }

    /**
     * Reads Redis itself, never the near cache: sees every write acknowledged to any replica
     * before the call began. Fails with {@link dev.exstate.guard.StateUnavailableException}
     * rather than serve a cached copy when Redis does. The result refreshes this replica's cache.
     */
    @Override
    public Optional<Session> findFresh(SessionId id) {
        return engineFor(id).findFresh(id);
    }

    @Override
    public void save(Session session) {
        Objects.requireNonNull(session, "session");
        openEngine().save(session);
    }

    @Override
    public <T> T compute(SessionId id, String name, Codec<T> codec, UnaryOperator<T> fn) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(fn, "fn");
        return openEngine().compute(id, name, codec, fn);
    }

    @Override
    public void invalidate(SessionId id) {
        engineFor(id).invalidate(id);
    }

    @Override
    public SessionId rotateId(SessionId id) {
        return engineFor(id).rotateId(id);
    }

    @Override
    public SessionOptions options() {
        return engine.options();
    }

    /** Hits, misses and stale serves of this replica's near cache; empty if it is off. */
    public Optional<NearCacheStats> nearCacheStats() {
        return engine.nearCacheStats();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
        }
    }

    /** The engine, once {@code id} is known not null and the store open. */
    private SessionEngine engineFor(SessionId id) {
        Objects.requireNonNull(id, "id");
        return openEngine();
    }

    private SessionEngine openEngine() {
        if (closed.get()) {
            throw new IllegalStateException("redis session store is closed; build a new one from RedisState");
        }
        return engine;
    }

    @Override
    public String toString() {
        return "RedisSessionStore[" + engine.options() + (closed.get() ? ", closed" : "") + "]";
    }
}
