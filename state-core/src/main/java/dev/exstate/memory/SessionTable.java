package dev.exstate.memory;

import dev.exstate.runtime.ProcessLocal;
import dev.exstate.session.SessionId;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * The sessions of an {@link InMemoryBackend}, shared by every {@link MemorySessionStore} made from
 * it (the "Redis" that replicas share). Thread-safe: every change to one session is one atomic
 * {@link ConcurrentHashMap#compute} on its entry.
 *
 * <p>Expired entries count as absent. They are removed when met, and by a sweep that a write
 * starts at most once per {@link #SWEEP_INTERVAL} of clock time, so abandoned sessions do not
 * pile up; no background thread is needed.
 */
@ProcessLocal("the in-memory backend itself: replicas in one process share it as they would share Redis")
final class SessionTable {
    /** Least clock time between two sweeps; bounds the sweep cost to one scan per interval. */
    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

    private final StateClock clock;
    private final ConcurrentHashMap<SessionId, StoredSession> sessions = new ConcurrentHashMap<>();
    private final AtomicLong lastSweepNanos;

    SessionTable(StateClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lastSweepNanos = new AtomicLong(clock.nanoTime());
    }

    /**
     * One stored session. Immutable: a change replaces the entry. The byte arrays are never
     * changed after they were stored.
     *
     * @param expiresAtNanos  {@link StateClock#nanoTime()} at which the session expires
     * @param lastTouchNanos  {@link StateClock#nanoTime()} of the last write or touch
     */
    record StoredSession(Instant createdAt, Instant lastAccessedAt, Duration maxInactiveInterval,
                         long lastTouchNanos, long expiresAtNanos, Map<String, byte[]> attributes) {
        StoredSession {
            attributes = Map.copyOf(attributes);
        }

        boolean isExpiredAt(long nowNanos) {
            // difference, not comparison: nanoTime may overflow
            return nowNanos - expiresAtNanos >= 0;
        }

        /** The same session with its expiry refreshed at {@code nowNanos}. */
        StoredSession touched(Instant now, long nowNanos, Duration ttl) {
            return new StoredSession(createdAt, now, ttl, nowNanos, nowNanos + ttl.toNanos(), attributes);
        }

        /** The session with new attributes and a refreshed expiry. */
        StoredSession withAttributes(Map<String, byte[]> newAttributes, Instant now, long nowNanos, Duration ttl) {
            return new StoredSession(createdAt, now, ttl, nowNanos, nowNanos + ttl.toNanos(), newAttributes);
        }
    }

    StateClock clock() {
        return clock;
    }

    /** Stores a new session under {@code id}; false if the id is taken by a live session. */
    boolean insert(SessionId id, StoredSession session) {
        maybeSweep();
        long now = clock.nanoTime();
        boolean[] inserted = {false};
        sessions.compute(id, (k, cur) -> {
            if (cur != null && !cur.isExpiredAt(now)) {
                return cur;
            }
            inserted[0] = true;
            return session;
        });
        return inserted[0];
    }

    /** The live session, or {@code null}; removes the entry if it has expired. */
    StoredSession get(SessionId id) {
        StoredSession s = sessions.get(id);
        if (s == null) {
            return null;
        }
        if (s.isExpiredAt(clock.nanoTime())) {
            sessions.remove(id, s);
            return null;
        }
        return s;
    }

    /**
     * Atomically replaces the live session with {@code fn(current)}; {@code fn} sees only live
     * sessions and may throw to leave the entry unchanged.
     *
     * @return the new entry, or {@code null} if there was no live session ({@code fn} not called)
     */
    StoredSession update(SessionId id, BiFunction<StoredSession, Long, StoredSession> fn) {
        maybeSweep();
        long now = clock.nanoTime();
        return sessions.computeIfPresent(id, (k, cur) -> cur.isExpiredAt(now) ? null : fn.apply(cur, now));
    }

    /** Removes and returns the live session, or {@code null}. */
    StoredSession take(SessionId id) {
        StoredSession s = sessions.remove(id);
        return s == null || s.isExpiredAt(clock.nanoTime()) ? null : s;
    }

    void remove(SessionId id) {
        sessions.remove(id);
    }

    /** Number of entries, expired ones not yet removed included. */
    int size() {
        return sessions.size();
    }

    /** Removes every expired entry now. */
    void sweep() {
        long now = clock.nanoTime();
        // conditional per-entry removal: an entry refreshed meanwhile stays
        sessions.forEach((id, s) -> {
            if (s.isExpiredAt(now)) {
                sessions.remove(id, s);
            }
        });
    }

    private void maybeSweep() {
        long now = clock.nanoTime();
        long last = lastSweepNanos.get();
        if (now - last >= SWEEP_INTERVAL.toNanos() && lastSweepNanos.compareAndSet(last, now)) {
            sweep();
        }
    }
}
