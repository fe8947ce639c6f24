package dev.exstate.redis.internal;

import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A session as Redis holds it, at one version: what the near cache holds. Immutable (the arrays
 * are never changed: {@link Session} copies on read). The timestamps are kept as the objects a
 * {@link Session} needs, so a near-cache hit allocates nothing but the session. Not API.
 */
public final class SessionSnapshot {
    private static final String FIND = "session.find";

    /** Marker for "no such session"; never cached. */
    static final SessionSnapshot ABSENT = new SessionSnapshot(Instant.EPOCH, 0, Duration.ZERO, Map.of(), 0, 0, 0, 0);

    private final Instant createdAt;
    private final long lastAccessMs;
    private final Instant lastAccessedAt;
    private final Duration maxInactive;
    private final Map<String, byte[]> attributes;
    private final long version;
    private final long touchMs;
    // on the StateClock's nanoTime scale, so a hit needs one clock reading for everything
    private final long expiresAtNanos;
    private final long touchDueAtNanos;

    /**
     * @param nowNanos, nowMs one moment on the clock's two scales, to place the session's
     *                  expiry and next touch on the nanoTime scale
     */
    private SessionSnapshot(Instant createdAt, long lastAccessMs, Duration maxInactive, Map<String, byte[]> attributes,
                            long version, long touchMs, long nowNanos, long nowMs) {
        this.createdAt = createdAt;
        this.lastAccessMs = lastAccessMs;
        this.lastAccessedAt = Instant.ofEpochMilli(lastAccessMs);
        this.maxInactive = maxInactive;
        this.attributes = attributes;
        this.version = version;
        this.touchMs = touchMs;
        this.expiresAtNanos = nowNanos + (lastAccessMs + maxInactive.toMillis() - nowMs) * 1_000_000;
        this.touchDueAtNanos = nowNanos + (lastAccessMs + touchMs - nowMs) * 1_000_000;
    }

    /** The state a write by this replica left behind: {@code session} as saved, at {@code version}. */
    static SessionSnapshot afterWrite(Session session, long lastAccessMs, long version, long touchMs, long nowNanos, long nowMs) {
        return new SessionSnapshot(session.createdAt(), lastAccessMs, session.maxInactiveInterval(),
                session.storedAttributes(), version, touchMs, nowNanos, nowMs);
    }

    /** This snapshot with one attribute changed by this replica's own write (compute). */
    SessionSnapshot with(String name, byte[] value, long lastAccessMs, long version, long nowNanos, long nowMs) {
        Map<String, byte[]> next = new HashMap<>(attributes);
        if (value == null) {
            next.remove(name);
        } else {
            next.put(name, value);
        }
        return new SessionSnapshot(createdAt, lastAccessMs, maxInactive, Map.copyOf(next), version, touchMs, nowNanos, nowMs);
    }

    /** This snapshot with the access Redis recorded last (a touch changes nothing else). */
    SessionSnapshot accessedAt(long lastAccessMs, long nowNanos, long nowMs) {
        return new SessionSnapshot(createdAt, lastAccessMs, maxInactive, attributes, version, touchMs, nowNanos, nowMs);
    }

    public boolean isAbsent() {
        return this == ABSENT;
    }

    long version() {
        return version;
    }

    Map<String, byte[]> attributes() {
        return attributes;
    }

    /** Whether the session has expired by {@code nowNanos} (the clock's nanoTime), judged locally. */
    boolean expiredAt(long nowNanos) {
        return nowNanos - expiresAtNanos >= 0;
    }

    /** Whether the access should be recorded again by {@code nowNanos}: a touch interval has passed. */
    boolean touchDueAt(long nowNanos) {
        return nowNanos - touchDueAtNanos >= 0;
    }

    Session toSession(SessionId id) {
        return Session.restore(id, createdAt, lastAccessedAt, maxInactive, attributes, version);
    }

    /**
     * Parses an HGETALL reply, checking the metadata as the scripts do ({@code check_meta} in
     * session-lib.lua): a missing or malformed value is a data error naming the field, never an
     * absent session. An empty hash is absent; a tombstoned one (being moved to a new id) too.
     */
    static SessionSnapshot parse(Map<String, byte[]> hash, long touchMs, long nowNanos, long nowMs) {
        if (hash.isEmpty()) {
            return ABSENT;
        }
        long created = meta(hash, RedisKeys.CREATED, 0);
        long access = meta(hash, RedisKeys.ACCESSED, 0);
        long inactive = meta(hash, RedisKeys.MAX_INACTIVE, 1);
        meta(hash, RedisKeys.BYTES, 0);
        long version = hash.containsKey(RedisKeys.VERSION) ? meta(hash, RedisKeys.VERSION, 1) : 0;
        if (hash.containsKey(RedisKeys.ROTATED)) {
            return ABSENT;
        }
        Map<String, byte[]> attributes = new HashMap<>(hash.size());
        for (Map.Entry<String, byte[]> e : hash.entrySet()) {
            String field = e.getKey();
            if (field.startsWith(RedisKeys.ATTRIBUTE)) {
                attributes.put(field.substring(RedisKeys.ATTRIBUTE.length()), e.getValue());
            }
        }
        return new SessionSnapshot(Instant.ofEpochMilli(created), access, Duration.ofMillis(inactive), Map.copyOf(attributes),
                version, touchMs, nowNanos, nowMs);
    }

    private static long meta(Map<String, byte[]> hash, String field, long min) {
        byte[] value = hash.get(field);
        if (value == null) {
            throw RedisErrors.corrupt(FIND, "session metadata " + field + " is missing");
        }
        long n = parseLong(value, FIND, field);
        if (n < min) {
            throw RedisErrors.corrupt(FIND, "session metadata " + field + " is not a valid number");
        }
        return n;
    }

    /**
     * A metadata number: at most 15 digits, as the scripts accept; anything else is a data error.
     * The stored bytes are never quoted (they are not ours).
     */
    static long parseLong(byte[] value, String operation, String field) {
        if (value.length > 0 && value.length <= 15) {
            long n = 0;
            for (byte b : value) {
                if (b < '0' || b > '9') {
                    n = -1;
                    break;
                }
                n = n * 10 + (b - '0');
            }
            if (n >= 0) {
                return n;
            }
        }
        throw RedisErrors.corrupt(operation, "session metadata " + field + " is not a valid number");
    }

    @Override
    public String toString() {
        return isAbsent() ? "SessionSnapshot[absent]" : "SessionSnapshot[version " + version + ", attributes=" + attributes.keySet() + "]";
    }
}
