package dev.exstate.redis.internal;

import dev.exstate.session.SessionId;
import java.util.Optional;

/**
 * The one place where Redis key and hash-field names are made. Not API.
 *
 * <p>Every key carries a Redis Cluster hash tag ({@code {...}}) holding the session id or the
 * lease name, so the keys of one session (or one lease and its token counter) share a slot and
 * every script touches a single slot, while different sessions spread over the cluster.
 *
 * <ul>
 *   <li>session: {@code <prefix>:<app>:session:{<id>}}, one hash;</li>
 *   <li>lease: {@code <prefix>:<app>:lease:{<name>}}, a string {@code <owner>:<token>};</li>
 *   <li>fencing-token counter: {@code <prefix>:<app>:lease:{<name>}:token}, never expires;</li>
 *   <li>last claimed tick of a scheduled job ({@code tryClaimTick}):
 *       {@code <prefix>:<app>:lease-tick:{<name>}}, a decimal string, never expires.</li>
 * </ul>
 * A name of the form {@code family@suffix} ({@code export@2026-11}) is stored as
 * {@code <prefix>:<app>:lease:{<family>}@<suffix>} (its tick record likewise) and shares its
 * family's token counter, so tokens increase across the family and a short-lived name leaves no
 * counter key behind. The family ends at the first {@code '@'} after the first character, so it
 * is never empty: an empty hash tag ({@code {}}) would not be a tag at all, and a lease and its
 * counter would land in different cluster slots. The three kinds of key can never collide: after the hash tag a lease key
 * has nothing or {@code @...}, a counter {@code :token}, and tick records have their own prefix.
 * Lease names are escaped inside the tag ({@code %}, <code>{</code>, <code>}</code> become
 * {@code %25}, {@code %7B}, {@code %7D}) so a name can never break out of its hash tag.
 */
public final class RedisKeys {
    /** Prefix of attribute fields in a session hash. */
    public static final String ATTRIBUTE = "a:";
    /** Creation time, epoch ms. */
    public static final String CREATED = "m:c";
    /** Last recorded access, epoch ms. */
    public static final String ACCESSED = "m:a";
    /** Idle timeout of this session, ms; also its key's TTL. */
    public static final String MAX_INACTIVE = "m:i";
    /** Running total of attribute bytes as counted against maxSessionBytes. */
    public static final String BYTES = "m:b";
    /** Tombstone: set while a session is being moved to a new id; the session counts as gone. */
    public static final String ROTATED = "m:r";
    /** Version: counts the writes that changed attributes; absent until the first one. */
    public static final String VERSION = "m:v";
    /** Metadata fields every live session hash holds (the scripts rely on this count; m:v comes on top once written). */
    public static final int META_FIELDS = 4;

    private final String sessionPrefix;
    private final String leasePrefix;
    private final String leaseTickPrefix;
    private final String sessionInvalidations;

    public RedisKeys(String keyPrefix, String appName) {
        this.sessionInvalidations = keyPrefix + ":" + appName + ":session-invalidations";
        this.sessionPrefix = keyPrefix + ":" + appName + ":session:{";
        this.leasePrefix = keyPrefix + ":" + appName + ":lease:{";
        this.leaseTickPrefix = keyPrefix + ":" + appName + ":lease-tick:{";
    }

    /**
     * The pub/sub channel on which, in pub/sub invalidation mode, every session write publishes
     * the session's key: {@code <prefix>:<app>:session-invalidations}. A channel, not a key.
     */
    public String sessionInvalidations() {
        return sessionInvalidations;
    }

    public String session(SessionId id) {
        return sessionPrefix + id.value() + "}";
    }

    /** The session id of a session key of this namespace, if it is one. */
    public Optional<SessionId> sessionIdOf(String key) {
        if (key == null || !key.startsWith(sessionPrefix) || !key.endsWith("}")) {
            return Optional.empty();
        }
        return SessionId.tryParse(key.substring(sessionPrefix.length(), key.length() - 1));
    }

    public String lease(String name) {
        return tagged(leasePrefix, name);
    }

    /** The token counter of the lease's family (the part of the name before its first '@', see above). */
    public String leaseToken(String name) {
        int at = familyEnd(name);
        return leasePrefix + escape(at < 0 ? name : name.substring(0, at)) + "}:token";
    }

    /** The last claimed tick of {@code name}, in the same slot as its lease and counter. */
    public String leaseTick(String name) {
        return tagged(leaseTickPrefix, name);
    }

    private static String tagged(String prefix, String name) {
        int at = familyEnd(name);
        return at < 0
                ? prefix + escape(name) + "}"
                : prefix + escape(name.substring(0, at)) + "}" + name.substring(at);
    }

    /** Index of the '@' that ends the name's family, or -1 if the whole name is the family. */
    private static int familyEnd(String name) {
        return name.indexOf('@', 1);
    }

    public static String attributeField(String name) {
        return ATTRIBUTE + name;
    }

    static String escape(String name) {
        if (name.indexOf('%') < 0 && name.indexOf('{') < 0 && name.indexOf('}') < 0) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            switch (c) {
                case '%' -> sb.append("%25");
                case '{' -> sb.append("%7B");
                case '}' -> sb.append("%7D");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
