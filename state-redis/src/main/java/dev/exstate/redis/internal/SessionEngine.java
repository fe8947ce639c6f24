package dev.exstate.redis.internal;

import dev.exstate.cache.InvalidationListener;
import dev.exstate.cache.InvalidationSource;
import dev.exstate.cache.NearCache;
import dev.exstate.cache.NearCacheStats;
import dev.exstate.codec.Codec;
import dev.exstate.guard.Fallback;
import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.internal.Backoff;
import dev.exstate.internal.session.SessionChecks;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionLimitException;
import dev.exstate.session.SessionNotFoundException;
import dev.exstate.session.SessionOptions;
import dev.exstate.time.StateClock;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions on Redis: the logic behind {@link dev.exstate.redis.RedisSessionStore}. Every remote
 * call goes through the shared guard; every write is one Lua script (one round trip) that checks
 * existence, metadata and limits before changing anything. Names and the limits that can be judged
 * without the stored state are checked here first, so bad input never travels to Redis. Not API.
 */
public final class SessionEngine {
    private static final Logger log = LoggerFactory.getLogger(SessionEngine.class);

    static final Operation CREATE = Operation.idempotent("session.create");
    // reads: retried, and hedged where the guard policy asks for it
    static final Operation FIND = Operation.read("session.find");
    static final Operation TOUCH = Operation.idempotent("session.touch");
    // a save writes absolute values for the changed attributes: applying it twice is the same as once
    static final Operation SAVE = Operation.idempotent("session.save");
    static final Operation COMPUTE_READ = Operation.read("session.compute.read");
    // a compare-and-set that was applied but whose reply was lost would look like a conflict on
    // retry and run fn again: never retried by the guard
    static final Operation COMPUTE = Operation.nonIdempotent("session.compute");
    static final Operation INVALIDATE = Operation.idempotent("session.invalidate");
    static final Operation ROTATE_OUT = Operation.nonIdempotent("session.rotateId");
    static final Operation ROTATE_IN = Operation.idempotent("session.rotateId.write");
    static final Operation ROTATE_DELETE = Operation.idempotent("session.rotateId.delete");

    /** Attempts of one compute under contention before giving up. */
    static final int MAX_COMPUTE_ATTEMPTS = 1000;
    /** Pause between contending computes, from the third attempt on (see backOff). */
    private static final Backoff COMPUTE_BACKOFF = new Backoff(Duration.ofNanos(50_000), Duration.ofMillis(5), 2, 1);
    /** Concurrent background touches from near-cache hits; more are skipped (the next hit retries). */
    private static final int MAX_TOUCHES_IN_FLIGHT = 1024;
    /** How long the tombstone of a rotated id may linger if the rotation is interrupted. */
    private static final long TOMBSTONE_MS = 60_000;

    private final RedisConnector connector;
    private final RedisKeys keys;
    private final Guard guard;
    private final StateClock clock;
    private final SessionOptions options;
    private final NearCache<SessionId, SessionSnapshot> cache;
    private final Set<SessionId> touching = ConcurrentHashMap.newKeySet();
    // pub/sub invalidation: the channel every write script publishes its key on; empty: no publish
    private final byte[] channel;
    private final boolean publish;
    private final Writes writes;
    private final boolean writesBack;

    public SessionEngine(RedisConnector connector, RedisKeys keys, Guard guard, StateClock clock, SessionOptions options,
                         NearCache<SessionId, SessionSnapshot> cache) {
        this.connector = connector;
        this.keys = keys;
        this.guard = guard;
        this.clock = clock;
        this.options = options;
        this.cache = cache;
        String c = connector.invalidationChannel();
        this.publish = c != null;
        this.channel = c != null ? utf8(c) : EMPTY;
        this.writes = connector.writes("session", connector.options().sessionDurability(), guard);
        // Durable writes go over their own connections: Redis tracks keys per connection, so the
        // write-back's guarantee (this connection still tracks the key after its own write) does
        // not hold for them; their entry is dropped instead (the invalidation comes too).
        this.writesBack = !writes.waitsForReplicas();
    }

    /**
     * The near cache of a replica, fed by client tracking or pub/sub. {@code null} if there is
     * no invalidation channel (mode NONE, size 0, or TRACKING on a server without it).
     */
    public static NearCache<SessionId, SessionSnapshot> nearCache(RedisConnector connector, RedisKeys keys, StateClock clock) {
        if (!connector.nearCacheAvailable()) {
            return null;
        }
        InvalidationSource<String> raw = connector.tracking();
        InvalidationSource<SessionId> sessions = listener -> raw.subscribe(new InvalidationListener<>() {
            @Override
            public void invalidate(String key) {
                keys.sessionIdOf(key).ifPresent(listener::invalidate);
            }

            @Override
            public void invalidateAll() {
                listener.invalidateAll();
            }

            @Override
            public void disconnected() {
                listener.disconnected();
            }

            @Override
            public void reconnected() {
                listener.reconnected();
            }

            @Override
            public void heardFrom(Duration ago) {
                listener.heardFrom(ago);
            }
        });
        return NearCache.<SessionId, SessionSnapshot>builder("redis-sessions")
                .maximumSize(connector.options().nearCacheSize())
                .clock(clock)
                .invalidationSource(sessions)
                .heartbeatWindow(connector.options().freshnessWindow())
                .build();
    }

    public SessionOptions options() {
        return options;
    }

    /** Statistics of the near cache, or empty if there is none. */
    public Optional<NearCacheStats> nearCacheStats() {
        return cache == null ? Optional.empty() : Optional.of(cache.stats());
    }

    public Session create() {
        SessionId id = SessionId.generate();
        long now = nowMs();
        long inactive = options.maxInactiveInterval().toMillis();
        String key = keys.session(id);
        writes.await(CREATE, key, c -> Scripts.SESSION_CREATE.<Long>run(c, ScriptOutputType.INTEGER,
                new String[] {key}, ascii(now), ascii(inactive)));
        Instant at = Instant.ofEpochMilli(now);
        return Session.restore(id, at, at, Duration.ofMillis(inactive), Map.of());
    }

    public Optional<Session> find(SessionId id) {
        if (cache != null) {
            // the hot path: one clock reading, no allocation but the session
            long nowNanos = clock.nanoTime();
            SessionSnapshot s = cache.getIfFresh(id, nowNanos);
            if (s != null) {
                if (!s.expiredAt(nowNanos)) {
                    if (s.touchDueAt(nowNanos)) {
                        touchInBackground(id, s);
                    }
                    return Optional.of(s.toSession(id));
                }
                // expired by our clock; ask Redis (its TTL is the authority)
                cache.invalidate(id);
            }
        }
        return find(id, false);
    }

    /** Reads Redis itself: no near-cache hit, no stale fallback; the result refreshes the cache. */
    public Optional<Session> findFresh(SessionId id) {
        return find(id, true);
    }

    /**
     * One HGETALL: a plain command Redis answers without a script, and tracks for this replica's
     * near cache. Once per touch interval the read also records the access (a small script, a
     * second round trip) before it returns.
     */
    private Optional<Session> find(SessionId id, boolean fresh) {
        long token = cache != null ? cache.beginLoad(id) : 0;
        String key = keys.session(id);
        LiveReads live = new LiveReads();
        SessionSnapshot snapshot = guard.await(FIND,
                () -> RedisErrors.mapped(FIND.name(), connector.commands().hgetall(key)).thenApply(hash -> {
                    SessionSnapshot s = parse(hash);
                    live.add(s);
                    return s;
                }),
                cache != null && !fresh ? Fallback.staleFrom(cache, id) : Fallback.failFast());
        boolean readLive = live.contains(snapshot);
        if (snapshot.isAbsent()) {
            if (cache != null && readLive) {
                // Redis says it is gone: an unverified copy must not be served stale later
                cache.invalidate(id);
            }
            return Optional.empty();
        }
        long nowNanos = clock.nanoTime();
        if (!readLive) {
            // served from the near cache while Redis failed: never re-cache it (it would look fresh)
            return snapshot.expiredAt(nowNanos) ? Optional.empty() : Optional.of(snapshot.toSession(id));
        }
        // read live: Redis's TTL is the authority, whatever another replica's clock wrote
        if (snapshot.touchDueAt(nowNanos)) {
            // once per touch interval a read records the access before it returns
            return touch(id, snapshot, token).map(s -> s.toSession(id));
        }
        if (cache != null) {
            cache.putIfCurrent(id, snapshot, token);
        }
        return Optional.of(snapshot.toSession(id));
    }

    /**
     * The snapshots the attempts of one find read from Redis: a hedged read has two attempts in
     * flight, whose replies may both be parsed, on different threads. Anything else the guard
     * returns came from the near cache. Thread-safe; uncontended but for a hedge.
     */
    private static final class LiveReads {
        private SessionSnapshot first;
        private List<SessionSnapshot> more;

        synchronized void add(SessionSnapshot s) {
            if (first == null) {
                first = s;
            } else {
                if (more == null) {
                    more = new ArrayList<>(2);
                }
                more.add(s);
            }
        }

        synchronized boolean contains(SessionSnapshot s) {
            if (s == first) {
                return true;
            }
            if (more != null) {
                for (SessionSnapshot m : more) {
                    if (m == s) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /**
     * Records the access of a session just read; empty if it is gone meanwhile. If Redis fails,
     * the session as read is returned: the next read past the touch interval tries again.
     */
    private Optional<SessionSnapshot> touch(SessionId id, SessionSnapshot read, long token) {
        long nowMs = nowMs();
        List<Object> reply;
        try {
            reply = guard.await(TOUCH, () -> touchScript(id, nowMs));
        } catch (StateUnavailableException e) {
            log.debug("redis: recording the access of {} failed; the next read retries: {}", id, e.toString());
            return Optional.of(read);
        }
        return afterTouch(id, read, reply, token, nowMs);
    }

    private java.util.concurrent.CompletionStage<List<Object>> touchScript(SessionId id, long nowMs) {
        return Scripts.SESSION_TOUCH.run(connector.commands(), ScriptOutputType.MULTI, new String[] {keys.session(id)},
                ascii(nowMs), ascii(options.touchInterval().toMillis()), channel);
    }

    /** The touched snapshot, cached if nobody wrote since {@code read} was read; empty if the session is gone. */
    private Optional<SessionSnapshot> afterTouch(SessionId id, SessionSnapshot read, List<Object> reply, long token, long nowMs) {
        if (reply.isEmpty()) {
            invalidateLocally(id);
            return Optional.empty();
        }
        SessionSnapshot touched = read.accessedAt((Long) reply.get(1), clock.nanoTime(), nowMs);
        if (cache != null) {
            if ((Long) reply.get(0) == read.version()) {
                cache.putAfterWrite(id, touched, token);
            } else {
                cache.invalidate(id);
            }
        }
        return Optional.of(touched);
    }

    /**
     * One script. The saved state becomes this replica's near-cache entry when the script reports
     * that nobody wrote between the session's load and this save (the version it found is the one
     * the session was loaded at): then loaded attributes plus these changes are exactly what Redis
     * now holds. Otherwise the entry is dropped and the next find reads Redis.
     */
    public void save(Session session) {
        SessionId id = session.id();
        Map<String, byte[]> changes = session.changes();
        SessionChecks.changes(id, changes, options);
        List<byte[]> args = new ArrayList<>(3 + changes.size() * 4);
        long nowMs = nowMs();
        args.add(ascii(nowMs));
        args.add(ascii(options.maxAttributes()));
        args.add(ascii(options.maxSessionBytes()));
        args.add(channel);
        for (Map.Entry<String, byte[]> change : changes.entrySet()) {
            String name = change.getKey();
            byte[] value = change.getValue();
            args.add(utf8(RedisKeys.attributeField(name)));
            args.add(value != null ? new byte[] {'p'} : new byte[] {'d'});
            args.add(value != null ? value : new byte[0]);
            args.add(ascii(Session.sizeOf(name, null)));
        }
        String key = keys.session(id);
        byte[][] argv = args.toArray(byte[][]::new);
        long token = cache != null ? cache.beginLoad(id) : 0;
        List<Object> reply = demoteOnFailure(id, () -> writes.await(SAVE, key, c -> Scripts.SESSION_SAVE.<List<Object>>run(c,
                ScriptOutputType.MULTI, new String[] {key}, argv), SessionEngine::written));
        if (!written(reply)) {
            invalidateLocally(id);
            checkWriteReply(id, reply, "save");
        }
        long loaded = session.version();
        session.markSaved(version(reply, 2));
        if (cache != null) {
            if (writesBack && version(reply, 1) == loaded) {
                cache.putAfterWrite(id, SessionSnapshot.afterWrite(session, version(reply, 3), version(reply, 2),
                        options.touchInterval().toMillis(), clock.nanoTime(), nowMs), token);
            } else {
                cache.invalidate(id);
            }
        }
    }

    /**
     * Compare-and-set on the attribute's bytes. With the session fresh in the near cache the
     * first attempt compares with the cached value: one round trip when nothing changed.
     */
    public <T> T compute(SessionId id, String name, Codec<T> codec, UnaryOperator<T> fn) {
        SessionChecks.name(id, name, options);
        String key = keys.session(id);
        String field = RedisKeys.attributeField(name);
        // one total timeout for the read, every compare-and-set and the backoff between them
        Guard.Deadline deadline = guard.deadline();
        SessionSnapshot cached = null;
        if (cache != null) {
            long nowNanos = clock.nanoTime();
            cached = cache.getIfFresh(id, nowNanos);
            if (cached != null && cached.expiredAt(nowNanos)) {
                cached = null;
            }
        }
        byte[] current;
        if (cached != null) {
            current = cached.attributes().get(name);
        } else {
            List<KeyValue<String, byte[]>> read = guard.await(COMPUTE_READ, deadline, () -> RedisErrors.mapped(COMPUTE_READ.name(),
                    connector.commands().hmget(key, field, RedisKeys.CREATED, RedisKeys.ROTATED)));
            if (!read.get(1).hasValue() || read.get(2).hasValue()) {
                invalidateLocally(id);
                throw new SessionNotFoundException(id);
            }
            current = read.get(0).hasValue() ? read.get(0).getValue() : null;
        }
        long started = System.nanoTime();
        byte[] fieldBytes = utf8(field);
        byte[] nameLen = ascii(Session.sizeOf(name, null));
        int attempt = 1;
        for (; attempt <= MAX_COMPUTE_ATTEMPTS && (attempt == 1 || !deadline.hasPassed()); attempt++) {
            T next = fn.apply(current == null ? null : codec.decode(current));
            byte[] nextBytes = next == null ? null : codec.encode(next);
            SessionChecks.value(id, name, nextBytes, options);
            long nowMs = nowMs();
            byte[][] argv = {
                    ascii(nowMs), ascii(options.maxAttributes()), ascii(options.maxSessionBytes()),
                    fieldBytes, nameLen,
                    current != null ? ONE : ZERO, current != null ? current : EMPTY,
                    nextBytes != null ? ONE : ZERO, nextBytes != null ? nextBytes : EMPTY,
                    channel};
            long token = cache != null ? cache.beginLoad(id) : 0;
            List<Object> reply = demoteOnFailure(id, () -> writes.await(COMPUTE, deadline, key,
                    c -> Scripts.SESSION_CAS.<List<Object>>run(c, ScriptOutputType.MULTI, new String[] {key}, argv),
                    SessionEngine::written));
            long code = (Long) reply.get(0);
            if (code == 2) {
                // someone else changed it: our copy is outdated too
                invalidateLocally(id);
                cached = null;
                current = (Long) reply.get(1) == 1 ? (byte[]) reply.get(2) : null;
                backOff(attempt, deadline);
                continue;
            }
            if (!written(reply)) {
                invalidateLocally(id);
                checkWriteReply(id, reply, "compute");
            }
            if (cache != null) {
                if (writesBack && cached != null && version(reply, 1) == cached.version()) {
                    cache.putAfterWrite(id, cached.with(name, nextBytes, version(reply, 3), version(reply, 2),
                            clock.nanoTime(), nowMs), token);
                } else {
                    cache.invalidate(id);
                }
            }
            return next;
        }
        throw new StateUnavailableException(guard.backend(), COMPUTE.name(), Duration.ofNanos(System.nanoTime() - started),
                "attribute '" + name + "' of " + id + " kept changing under " + (attempt - 1) + " attempts within the total timeout of "
                        + deadline.total().toMillis() + " ms; too many concurrent updates of one attribute, retry later", null);
    }

    public void invalidate(SessionId id) {
        String key = keys.session(id);
        demoteOnFailure(id, () -> writes.await(INVALIDATE, key, c -> delete(c, key)));
        invalidateLocally(id);
    }

    /** DEL, or with pub/sub invalidation DEL and PUBLISH in one script. */
    private java.util.concurrent.CompletionStage<Long> delete(
            io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, byte[]> commands, String key) {
        if (publish) {
            return Scripts.SESSION_DELETE.run(commands, ScriptOutputType.INTEGER, new String[] {key}, channel);
        }
        return commands.del(key);
    }

    /**
     * Moves a session in three steps that work on a Redis Cluster too (the two ids live in
     * different slots): mark the old hash as moved and read it (the linearization point), write
     * the new hash, delete the old one. If the second step fails the mark is undone.
     */
    public SessionId rotateId(SessionId id) {
        String oldKey = keys.session(id);
        List<Object> content = demoteOnFailure(id, () -> writes.await(ROTATE_OUT, oldKey,
                c -> Scripts.SESSION_ROTATE_OUT.<List<Object>>run(c, ScriptOutputType.MULTI, new String[] {oldKey},
                        ascii(TOMBSTONE_MS), channel), r -> !r.isEmpty()));
        invalidateLocally(id);
        if (content.isEmpty()) {
            throw new SessionNotFoundException(id);
        }
        SessionId newId = SessionId.generate();
        String newKey = keys.session(newId);
        long inactive = -1;
        List<byte[]> args = new ArrayList<>(content.size() + 2);
        args.add(ascii(nowMs()));
        args.add(null);
        for (int i = 0; i + 1 < content.size(); i += 2) {
            byte[] fieldBytes = (byte[]) content.get(i);
            String field = new String(fieldBytes, StandardCharsets.UTF_8);
            if (field.equals(RedisKeys.ACCESSED) || field.equals(RedisKeys.ROTATED) || field.equals(RedisKeys.VERSION)) {
                continue;
            }
            if (field.equals(RedisKeys.MAX_INACTIVE)) {
                inactive = SessionSnapshot.parseLong((byte[]) content.get(i + 1), ROTATE_OUT.name(), field);
            }
            args.add(fieldBytes);
            args.add((byte[]) content.get(i + 1));
        }
        args.set(1, ascii(inactive > 0 ? inactive : options.maxInactiveInterval().toMillis()));
        byte[][] argv = args.toArray(byte[][]::new);
        try {
            writes.await(ROTATE_IN, newKey, c -> Scripts.SESSION_ROTATE_IN.<Long>run(c, ScriptOutputType.INTEGER,
                    new String[] {newKey}, argv));
        } catch (RuntimeException e) {
            try {
                writes.await(ROTATE_IN, oldKey, c -> Scripts.SESSION_UNROTATE.<Long>run(c,
                        ScriptOutputType.INTEGER, new String[] {oldKey}));
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
        try {
            writes.await(ROTATE_DELETE, oldKey, c -> delete(c, oldKey));
        } catch (StateUnavailableException e) {
            // the old id is already unusable (tombstone) and expires on its own
            log.debug("redis: deleting the old session after rotation failed; it expires in {} ms", TOMBSTONE_MS, e);
        }
        return newId;
    }

    /**
     * Records the access in the background, once at a time per session. The cached entry then
     * carries the access Redis recorded, unless the session changed meanwhile.
     */
    private void touchInBackground(SessionId id, SessionSnapshot seen) {
        if (touching.size() >= MAX_TOUCHES_IN_FLIGHT || !touching.add(id)) {
            return;
        }
        long token = cache != null ? cache.beginLoad(id) : 0;
        long nowMs = nowMs();
        try {
            guard.callAsync(TOUCH, () -> touchScript(id, nowMs))
                    .whenComplete((reply, e) -> {
                        touching.remove(id);
                        if (e != null) {
                            log.debug("redis: background touch of {} failed: {}", id, e.toString());
                        } else {
                            afterTouch(id, seen, reply, token, nowMs);
                        }
                    });
        } catch (RuntimeException e) {
            touching.remove(id);
            log.debug("redis: background touch of {} not started: {}", id, e.toString());
        }
    }

    /**
     * Runs a write of ours. If it fails or times out it may still be applied, and client tracking
     * (NOLOOP) will not tell us, so the cached copy is no longer fresh; it stays for stale serving
     * while Redis fails. Reads sent after the write on the same connection see it: Redis runs a
     * connection's commands in order.
     */
    private <T> T demoteOnFailure(SessionId id, java.util.function.Supplier<T> write) {
        long sentAt = clock.nanoTime();
        try {
            return write.get();
        } catch (RuntimeException e) {
            if (cache != null) {
                cache.demote(id, sentAt);
            }
            throw e;
        }
    }

    private void invalidateLocally(SessionId id) {
        if (cache != null) {
            cache.invalidate(id);
        }
    }

    private SessionSnapshot parse(Map<String, byte[]> hash) {
        return SessionSnapshot.parse(hash, options.touchInterval().toMillis(), clock.nanoTime(), nowMs());
    }

    /** Whether a write script's reply says it changed the session (code 1); other codes wrote nothing. */
    private static boolean written(List<Object> reply) {
        return !reply.isEmpty() && Long.valueOf(1).equals(reply.get(0));
    }

    private static long version(List<Object> reply, int index) {
        return (Long) reply.get(index);
    }

    private void checkWriteReply(SessionId id, List<Object> reply, String what) {
        long code = (Long) reply.get(0);
        if (code == 1) {
            return;
        }
        if (code == 0) {
            throw new SessionNotFoundException(id);
        }
        long value = reply.size() > 1 ? (Long) reply.get(1) : -1;
        if (code == -1) {
            throw new SessionLimitException("the " + what + " would leave " + id + " with " + value
                    + " attributes; maxAttributes is " + options.maxAttributes() + ". Nothing was written.");
        }
        if (code == -2) {
            throw new SessionLimitException("the " + what + " would leave " + id + " with " + value
                    + " bytes of names and values; maxSessionBytes is " + options.maxSessionBytes() + ". Nothing was written.");
        }
        throw new IllegalStateException("unexpected reply " + code + " from the redis session " + what + " script");
    }

    /**
     * Spreads contending computes apart: nothing for the first two retries, then a random pause
     * of up to 50 µs, doubling to 5 ms (full jitter), never past the deadline.
     */
    private static void backOff(int attempt, Guard.Deadline deadline) {
        if (attempt < 3) {
            return;
        }
        long pause = COMPUTE_BACKOFF.delay(attempt - 2).toNanos();
        LockSupport.parkNanos(Math.min(pause, deadline.remaining().toNanos()));
    }

    private long nowMs() {
        return clock.now().toEpochMilli();
    }

    private static final byte[] ONE = {'1'};
    private static final byte[] ZERO = {'0'};
    private static final byte[] EMPTY = {};

    static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
