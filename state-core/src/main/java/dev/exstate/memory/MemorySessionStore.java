package dev.exstate.memory;

import dev.exstate.codec.Codec;
import dev.exstate.internal.session.SessionChecks;
import dev.exstate.memory.SessionTable.StoredSession;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionLimitException;
import dev.exstate.session.SessionNotFoundException;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.time.StateClock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * In-memory {@link SessionStore}: one "replica" over a {@link SessionTable}. Several instances over
 * one table behave like replicas over one Redis: saves write only the changed attributes, and
 * every change to a session is atomic. Thread-safe and non-blocking apart from the per-entry
 * lock of the table; {@code compute}'s function runs inside that lock, exactly once.
 */
final class MemorySessionStore implements SessionStore {
    private final SessionTable table;
    private final SessionOptions options;
    private final StateClock clock;

    MemorySessionStore(SessionTable table, SessionOptions options, StateClock clock) {
        this.table = Objects.requireNonNull(table, "table");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Session create() {
        while (true) {
            SessionId id = SessionId.generate();
            Instant now = clock.now();
            long nowNanos = clock.nanoTime();
            StoredSession s = new StoredSession(now, now, options.maxInactiveInterval(), nowNanos,
                    nowNanos + options.maxInactiveInterval().toNanos(), Map.of());
            // a collision of 256 random bits does not happen; the loop only keeps the table honest
            if (table.insert(id, s)) {
                return snapshot(id, s);
            }
        }
    }

    @Override
    public Optional<Session> find(SessionId id) {
        Objects.requireNonNull(id, "id");
        StoredSession s = table.get(id);
        if (s == null) {
            return Optional.empty();
        }
        long touchNanos = options.touchInterval().toNanos();
        if (clock.nanoTime() - s.lastTouchNanos() >= touchNanos) {
            // re-check inside the update: another replica may have touched or written meanwhile
            s = table.update(id, (cur, now) -> now - cur.lastTouchNanos() >= touchNanos
                    ? cur.touched(clock.now(), now, options.maxInactiveInterval())
                    : cur);
            if (s == null) {
                return Optional.empty();
            }
        }
        return Optional.of(snapshot(id, s));
    }

    @Override
    public void save(Session session) {
        Objects.requireNonNull(session, "session");
        SessionId id = session.id();
        Map<String, byte[]> changes = session.changes();
        SessionChecks.changes(id, changes, options);
        StoredSession saved = table.update(id, (cur, now) -> {
            Map<String, byte[]> attributes = new HashMap<>(cur.attributes());
            changes.forEach((name, value) -> {
                if (value == null) {
                    attributes.remove(name);
                } else {
                    attributes.put(name, value.clone());
                }
            });
            checkTotals(id, attributes);
            return cur.withAttributes(attributes, clock.now(), now, options.maxInactiveInterval());
        });
        if (saved == null) {
            throw new SessionNotFoundException(id);
        }
        session.markSaved();
    }

    @Override
    public <T> T compute(SessionId id, String name, Codec<T> codec, UnaryOperator<T> fn) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(fn, "fn");
        SessionChecks.name(id, name, options);
        Object[] result = new Object[1];
        StoredSession saved = table.update(id, (cur, now) -> {
            byte[] currentBytes = cur.attributes().get(name);
            T current = currentBytes == null ? null : codec.decode(currentBytes);
            T next = fn.apply(current);
            Map<String, byte[]> attributes = new HashMap<>(cur.attributes());
            if (next == null) {
                attributes.remove(name);
            } else {
                attributes.put(name, codec.encode(next));
            }
            checkTotals(id, attributes);
            result[0] = next;
            return cur.withAttributes(attributes, clock.now(), now, options.maxInactiveInterval());
        });
        if (saved == null) {
            throw new SessionNotFoundException(id);
        }
        @SuppressWarnings("unchecked")
        T next = (T) result[0];
        return next;
    }

    @Override
    public void invalidate(SessionId id) {
        Objects.requireNonNull(id, "id");
        table.remove(id);
    }

    @Override
    public SessionId rotateId(SessionId id) {
        Objects.requireNonNull(id, "id");
        // taking the entry first makes the old id unusable before the new one exists; nobody can
        // know the new id yet, so no reader sees the session under both or neither by mistake
        StoredSession s = table.take(id);
        if (s == null) {
            throw new SessionNotFoundException(id);
        }
        while (true) {
            SessionId newId = SessionId.generate();
            long now = clock.nanoTime();
            if (table.insert(newId, s.touched(clock.now(), now, options.maxInactiveInterval()))) {
                return newId;
            }
        }
    }

    @Override
    public SessionOptions options() {
        return options;
    }

    /** Nothing to release: the data belongs to the backend, not to this replica. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "MemorySessionStore[" + options + "]";
    }

    private static Session snapshot(SessionId id, StoredSession s) {
        return Session.restore(id, s.createdAt(), s.lastAccessedAt(), s.maxInactiveInterval(), s.attributes());
    }

    private void checkTotals(SessionId id, Map<String, byte[]> attributes) {
        if (attributes.size() > options.maxAttributes()) {
            throw new SessionLimitException("session " + id + " would hold " + attributes.size()
                    + " attributes, more than maxAttributes=" + options.maxAttributes() + "; nothing was written");
        }
        long bytes = 0;
        for (Map.Entry<String, byte[]> e : attributes.entrySet()) {
            bytes += Session.sizeOf(e.getKey(), e.getValue());
        }
        if (bytes > options.maxSessionBytes()) {
            throw new SessionLimitException("session " + id + " would hold " + bytes
                    + " bytes of names and values, more than maxSessionBytes=" + options.maxSessionBytes()
                    + "; nothing was written");
        }
    }
}
