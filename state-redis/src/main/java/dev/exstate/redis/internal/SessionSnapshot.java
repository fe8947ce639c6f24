package dev.exstate.redis.internal;

import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A session as read from its Redis hash: what the near cache holds. Immutable (the arrays are
 * never handed out: {@link Session} copies on read). Not API.
 *
 * @param touched true if the read that produced it also recorded the access (then the key is no
 *                longer tracked and the snapshot must not be cached)
 */
public record SessionSnapshot(long createdMs, long lastAccessMs, long maxInactiveMs, Map<String, byte[]> attributes,
                       boolean touched) {

    private static final String FIND = "session.find";

    /** Marker for "no such session"; never cached. */
    static final SessionSnapshot ABSENT = new SessionSnapshot(0, 0, 0, Map.of(), false);

    public boolean isAbsent() {
        return this == ABSENT;
    }

    /** Whether the session has expired by {@code nowMs}, judged locally. */
    boolean expiredAt(long nowMs) {
        return nowMs >= lastAccessMs + maxInactiveMs;
    }

    Session toSession(SessionId id) {
        return Session.restore(id, Instant.ofEpochMilli(createdMs), Instant.ofEpochMilli(lastAccessMs),
                Duration.ofMillis(maxInactiveMs), attributes);
    }

    /**
     * Parses {@code field, value, field, value, ...} from {@code from} on; {@code accessMs}
     * overrides the stored last access (when the read just recorded a new one).
     */
    static SessionSnapshot parse(List<Object> flat, int from, boolean touched, long accessMs) {
        long created = -1;
        long access = -1;
        long inactive = -1;
        Map<String, byte[]> attributes = new HashMap<>();
        for (int i = from; i + 1 < flat.size(); i += 2) {
            String field = new String((byte[]) flat.get(i), StandardCharsets.UTF_8);
            byte[] value = (byte[]) flat.get(i + 1);
            if (field.startsWith(RedisKeys.ATTRIBUTE)) {
                attributes.put(field.substring(RedisKeys.ATTRIBUTE.length()), value);
            } else {
                switch (field) {
                    case RedisKeys.CREATED -> created = parseLong(value, FIND, field);
                    case RedisKeys.ACCESSED -> access = parseLong(value, FIND, field);
                    case RedisKeys.MAX_INACTIVE -> inactive = parseLong(value, FIND, field);
                    case RedisKeys.ROTATED -> {
                        return ABSENT;
                    }
                    default -> {
                        // other metadata (byte total) is the scripts' business
                    }
                }
            }
        }
        if (created < 0 || access < 0 || inactive < 0) {
            // a hash without our metadata is not a session (or is being deleted): treat as absent
            return ABSENT;
        }
        return new SessionSnapshot(created, touched ? accessMs : access, inactive, Map.copyOf(attributes), touched);
    }

    /**
     * A metadata number; a value that is not one is a data error. The scripts check metadata
     * before answering, so this guards only against a changed script; the stored bytes are never
     * quoted (they are not ours).
     */
    static long parseLong(byte[] value, String operation, String field) {
        try {
            long n = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below without the bytes
        }
        throw RedisErrors.corrupt(operation, "session metadata " + field + " is not a valid number");
    }

    @Override
    public String toString() {
        return isAbsent() ? "SessionSnapshot[absent]" : "SessionSnapshot[attributes=" + attributes.keySet() + "]";
    }
}
