package dev.exstate.redis;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.internal.Redaction;
import dev.exstate.internal.Text;
import io.lettuce.core.RedisURI;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach Redis and how the Redis providers behave. Immutable; build with
 * {@link #standalone(String)}, {@link #sentinel(String)} or {@link #cluster(List)}.
 *
 * <p>Defaults are meant for production on the same network: one multiplexed connection per
 * replica (per Redis Cluster node), a near cache of 10,000 sessions kept honest by RESP3 client
 * tracking (or by pub/sub on servers without it, see {@link InvalidationMode}), a heartbeat every
 * 250 ms with cached sessions served as fresh only within 1 s of the last one answered,
 * {@link GuardPolicy#defaults()}, a 2 s bound on connecting and housekeeping commands and 30 s
 * for the first connection. The password never appears in {@link #toString()} or in validation errors, nor do
 * credentials embedded in a URI (everything up to the last {@code '@'} before the host is masked).
 * A password inside a URI that holds {@code '@'}, {@code ':'}, {@code '/'} or {@code '%'} must be
 * percent-encoded ({@code p%40ss}), or given with {@link Builder#credentials} instead.
 *
 * @param topology          standalone server, Sentinel-managed master, or Redis Cluster
 * @param uris              {@code redis://host:port} / {@code rediss://} (TLS) for a standalone
 *                          server or cluster seed nodes, {@code redis-sentinel://h1:p1,h2:p2#master}
 *                          for Sentinel
 * @param tls               use TLS even if the URI scheme does not say so
 * @param verifyPeer        with TLS, verify the server certificate and host name (default true)
 * @param trustCertificates with TLS: PEM file of the CA certificates to trust (a private CA), or
 *                          {@code null} for the JDK's default trust store
 * @param clientCertificate with TLS: PEM client certificate (chain) for mutual TLS, or {@code null}
 * @param clientKey         with TLS: unencrypted PKCS#8 PEM key of {@code clientCertificate}
 * @param username          ACL user name, or {@code null} for the default user
 * @param password          password, or {@code null}; never shown
 * @param commandTimeout    bounds connecting and the connector's own housekeeping commands
 *                          (start-up probes, readiness wait, heartbeat PING). Data calls are timed
 *                          by the guard policy alone: Lettuce's per-command timeout is off
 *                          (positive, at most {@link #MAX_INTERVAL}, 1 hour); it also bounds one
 *                          connection attempt (TCP connect and handshake)
 * @param startupTimeout    how long the first provider keeps trying to connect (attempts bounded
 *                          by {@code commandTimeout}, jittered backoff from 100 ms to 2 s in
 *                          between) before it fails with
 *                          {@link dev.exstate.guard.StateUnavailableException}; zero means one
 *                          attempt. Refused credentials fail at once with
 *                          {@link dev.exstate.guard.StateAccessDeniedException} (default 30 s)
 * @param connections       multiplexed connections per replica (per node in a cluster); commands
 *                          are spread over them round robin (default 1)
 * @param keyPrefix         first segment of every key (default {@code exstate}); keys look like
 *                          {@code exstate:<app>:session:{<id>}}. Key segments hold at most
 *                          {@link #MAX_KEY_SEGMENT} characters, no braces, whitespace, control
 *                          characters or unpaired surrogates
 * @param appName           second segment of every key; {@code null} means "the runtime's app
 *                          name" (or {@code app} when used without a runtime)
 * @param nearCacheSize     sessions cached per replica; 0 turns the near cache off
 * @param invalidation      how the near cache learns that another replica changed a session
 *                          (default {@link InvalidationMode#AUTO}); {@link InvalidationMode#NONE}
 *                          turns the near cache off
 * @param heartbeatInterval how often each connection is pinged (default 250 ms); a failed ping
 *                          marks the replica not ready and the near cache stale until a ping
 *                          succeeds. This bounds how long a silently broken connection can go
 *                          unnoticed. Costs one PING per interval per connection (positive, at most
 *                          {@link #MAX_INTERVAL})
 * @param freshnessWindow   a cached session is served as fresh only while the invalidation
 *                          channel answered a heartbeat PING sent at most this long ago (default
 *                          1 s); otherwise the read goes to Redis. Replies come in order behind
 *                          invalidations, so a session served from the near cache reflects every
 *                          write Redis applied until this long before the read, on any link.
 *                          Must be longer than {@code heartbeatInterval}
 * @param guardPolicy       the policy of the guard of every Redis call (default
 *                          {@link GuardPolicy#defaults()}). Under a
 *                          {@link dev.exstate.runtime.StateRuntime} it becomes the runtime's guard
 *                          for {@code "redis"} unless the runtime sets one; setting both to
 *                          different policies fails the runtime's build
 */
public record RedisOptions(
        Topology topology,
        List<String> uris,
        boolean tls,
        boolean verifyPeer,
        Path trustCertificates,
        Path clientCertificate,
        Path clientKey,
        String username,
        String password,
        Duration commandTimeout,
        Duration startupTimeout,
        int connections,
        String keyPrefix,
        String appName,
        long nearCacheSize,
        InvalidationMode invalidation,
        Duration heartbeatInterval,
        Duration freshnessWindow,
        GuardPolicy guardPolicy) {

    /** Longest {@code keyPrefix} and {@code appName}, in characters. */
    public static final int MAX_KEY_SEGMENT = 100;
    /** Upper bound of {@code commandTimeout} and {@code heartbeatInterval}. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);

    /** How the Redis deployment is organised. */
    public enum Topology { STANDALONE, SENTINEL, CLUSTER }

    /**
     * How the session near cache is kept honest across replicas.
     *
     * <ul>
     *   <li>{@link #AUTO} (default): {@link #TRACKING} if the server supports it (Redis 6 or
     *       later), else {@link #PUBSUB};</li>
     *   <li>{@link #TRACKING}: RESP3 client tracking ({@code CLIENT TRACKING}); Redis pushes the
     *       keys this replica read when anyone changes them. No extra cost on writes. If the
     *       server does not support it, there is no near cache (and a warning);</li>
     *   <li>{@link #PUBSUB}: every session write publishes the session's key on the channel
     *       {@code <prefix>:<app>:session-invalidations} (inside the write's Lua script, so a
     *       write is never acknowledged without its message), and each replica listens on one
     *       extra pub/sub connection. Works on any Redis version and in Redis Cluster. All
     *       replicas of one app must use a mode that publishes (AUTO resolving to PUBSUB, or
     *       PUBSUB): a replica on TRACKING does not publish;</li>
     *   <li>{@link #NONE}: no near cache; every read goes to Redis.</li>
     * </ul>
     * In every mode but NONE, while the invalidation channel is disconnected, or has not answered
     * a heartbeat within {@link #freshnessWindow()}, nothing is served from the near cache as
     * fresh; sessions cached before a reconnect are re-read from Redis before they are served as
     * fresh again, and meanwhile serve only as the guard's stale fallback.
     */
    public enum InvalidationMode { AUTO, TRACKING, PUBSUB, NONE }

    public RedisOptions {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(uris, "uris");
        uris = List.copyOf(uris);
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("at least one Redis URI is required");
        }
        for (String u : uris) {
            checkUri(topology, u);
        }
        if (topology != Topology.CLUSTER && uris.size() != 1) {
            throw new IllegalArgumentException(topology + " takes exactly one URI (Sentinel nodes go into one "
                    + "redis-sentinel://h1:p1,h2:p2#master URI), got " + uris.size());
        }
        if ((clientCertificate == null) != (clientKey == null)) {
            throw new IllegalArgumentException("clientCertificate and clientKey go together: set both or neither");
        }
        if ((trustCertificates != null || clientCertificate != null) && !tls && !usesTlsScheme(uris)) {
            throw new IllegalArgumentException("TLS files given but TLS is off: use rediss:// URIs or tls(true)");
        }
        if (username != null && username.isBlank()) {
            throw new IllegalArgumentException("username must not be blank (use null for the default user)");
        }
        requirePositive(commandTimeout, "commandTimeout");
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        if (startupTimeout.isNegative() || startupTimeout.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("startupTimeout must be between 0 and " + MAX_INTERVAL + ", was " + startupTimeout);
        }
        if (connections < 1 || connections > 64) {
            throw new IllegalArgumentException("connections must be between 1 and 64, was " + connections);
        }
        checkKeySegment(keyPrefix, "keyPrefix");
        if (appName != null) {
            checkKeySegment(appName, "appName");
        }
        if (nearCacheSize < 0) {
            throw new IllegalArgumentException("nearCacheSize must be >= 0, was " + nearCacheSize);
        }
        requirePositive(heartbeatInterval, "heartbeatInterval");
        requirePositive(freshnessWindow, "freshnessWindow");
        if (freshnessWindow.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("freshnessWindow (" + freshnessWindow + ") must be longer than heartbeatInterval ("
                    + heartbeatInterval + "), or cached sessions would rarely count as fresh");
        }
        Objects.requireNonNull(invalidation, "invalidation");
        Objects.requireNonNull(guardPolicy, "guardPolicy");
    }

    /** A single Redis server: {@code redis://host:port} or {@code rediss://host:port}. */
    public static Builder standalone(String uri) {
        return new Builder(Topology.STANDALONE, List.of(uri));
    }

    /** A Sentinel-managed master: {@code redis-sentinel://h1:26379,h2:26379#mymaster}. */
    public static Builder sentinel(String uri) {
        return new Builder(Topology.SENTINEL, List.of(uri));
    }

    /** A Redis Cluster, given some of its nodes as {@code redis://host:port}. */
    public static Builder cluster(List<String> seedUris) {
        return new Builder(Topology.CLUSTER, seedUris);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder(topology, uris);
        b.tls = tls;
        b.verifyPeer = verifyPeer;
        b.trustCertificates = trustCertificates;
        b.clientCertificate = clientCertificate;
        b.clientKey = clientKey;
        b.username = username;
        b.password = password;
        b.commandTimeout = commandTimeout;
        b.startupTimeout = startupTimeout;
        b.connections = connections;
        b.keyPrefix = keyPrefix;
        b.appName = appName;
        b.nearCacheSize = nearCacheSize;
        b.invalidation = invalidation;
        b.heartbeatInterval = heartbeatInterval;
        b.freshnessWindow = freshnessWindow;
        b.guardPolicy = guardPolicy;
        return b;
    }

    /**
     * True if a near cache is wanted (size above 0 and an invalidation mode other than NONE).
     * With {@link InvalidationMode#TRACKING} on a server without tracking there is none anyway.
     */
    public boolean nearCacheEnabled() {
        return nearCacheSize > 0 && invalidation != InvalidationMode.NONE;
    }

    /** Shows the topology, the URIs without credentials and the settings; never the password. */
    @Override
    public String toString() {
        return "RedisOptions[" + topology + " " + uris.stream().map(RedisOptions::redact).toList()
                + (tls ? ", tls" + (verifyPeer ? "" : " (no peer verification)") : "")
                + (trustCertificates != null ? ", trust=" + trustCertificates : "")
                + (clientCertificate != null ? ", clientCertificate=" + clientCertificate : "")
                + (username != null ? ", user=" + username : "")
                + (password != null ? ", password=****" : "")
                + ", commandTimeout=" + commandTimeout + ", startupTimeout=" + startupTimeout + ", connections=" + connections
                + ", keys=" + keyPrefix + ":" + (appName == null ? "<app>" : appName)
                + ", nearCacheSize=" + nearCacheSize + ", invalidation=" + invalidation
                + ", heartbeat=" + heartbeatInterval + ", freshnessWindow=" + freshnessWindow + "]";
    }

    private static String redact(String uri) {
        return Redaction.url(uri);
    }

    private static boolean usesTlsScheme(List<String> uris) {
        return uris.stream().anyMatch(u -> u.toLowerCase(Locale.ROOT).startsWith("rediss"));
    }

    private static void checkUri(Topology topology, String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("Redis URI must not be blank");
        }
        String lower = uri.toLowerCase(Locale.ROOT);
        boolean sentinel = lower.startsWith("redis-sentinel://") || lower.startsWith("rediss-sentinel://");
        boolean plain = lower.startsWith("redis://") || lower.startsWith("rediss://");
        if (topology == Topology.SENTINEL ? !sentinel : !plain) {
            throw new IllegalArgumentException("Redis URI " + redact(uri) + " does not fit topology " + topology
                    + (topology == Topology.SENTINEL ? ": expected redis-sentinel://" : ": expected redis:// or rediss://"));
        }
        // parse errors quote their input, which may hold a password: only the reason is kept
        if (plain) {
            URI parsed;
            try {
                parsed = new URI(uri);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("Redis URI " + redact(uri) + " is malformed: " + e.getReason() + ENCODE_HINT);
            }
            if (parsed.getHost() == null) {
                throw new IllegalArgumentException("Redis URI " + redact(uri) + " has no host" + ENCODE_HINT);
            }
        }
        try {
            RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Redis URI " + redact(uri) + " cannot be parsed" + ENCODE_HINT);
        }
    }

    private static final String ENCODE_HINT = " (a password inside the URI must be percent-encoded, '@' as %40, "
            + "or given with credentials(user, password))";

    private static void checkKeySegment(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        if (value.length() > MAX_KEY_SEGMENT) {
            // it is part of every key and every command
            throw new IllegalArgumentException(name + " is " + value.length() + " characters long; at most "
                    + MAX_KEY_SEGMENT + " are allowed");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // braces would change the Redis Cluster hash tag of every key
            if (c == '{' || c == '}' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException(name + " must not contain braces, whitespace or control characters: '"
                        + value + "'");
            }
        }
        int bad = Text.unpairedSurrogate(value);
        if (bad >= 0) {
            // no UTF-8 form: Redis would see '?', so two different prefixes would share their keys
            throw new IllegalArgumentException(name + " contains an unpaired UTF-16 surrogate at index " + bad);
        }
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero() || d.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException(name + " must be positive and at most " + MAX_INTERVAL + ", was " + d);
        }
    }

    /** Builder for {@link RedisOptions}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final Topology topology;
        private final List<String> uris;
        private boolean tls;
        private boolean verifyPeer = true;
        private Path trustCertificates;
        private Path clientCertificate;
        private Path clientKey;
        private String username;
        private String password;
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration startupTimeout = Duration.ofSeconds(30);
        private int connections = 1;
        private String keyPrefix = "exstate";
        private String appName;
        private long nearCacheSize = 10_000;
        private InvalidationMode invalidation = InvalidationMode.AUTO;
        private Duration heartbeatInterval = Duration.ofMillis(250);
        private Duration freshnessWindow = Duration.ofSeconds(1);
        private GuardPolicy guardPolicy = GuardPolicy.defaults();

        private Builder(Topology topology, List<String> uris) {
            this.topology = topology;
            this.uris = new ArrayList<>(Objects.requireNonNull(uris, "uris"));
        }

        /** TLS even for {@code redis://} URIs. */
        public Builder tls(boolean v) { this.tls = v; return this; }

        /** With TLS: verify certificate and host name (default true). */
        public Builder verifyPeer(boolean v) { this.verifyPeer = v; return this; }

        /** With TLS: trust the CA certificates in this PEM file instead of the JDK's default trust store. */
        public Builder trustCertificates(Path pemFile) { this.trustCertificates = pemFile; return this; }

        /**
         * With TLS: present this client certificate (PEM, chain allowed) with its unencrypted
         * PKCS#8 PEM key, for servers that require client certificates ({@code tls-auth-clients yes}).
         */
        public Builder clientCertificate(Path certificatePem, Path keyPem) {
            this.clientCertificate = certificatePem;
            this.clientKey = keyPem;
            return this;
        }

        /** ACL user and password. */
        public Builder credentials(String username, String password) {
            this.username = username;
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Password of the default user ({@code requirepass}). */
        public Builder password(String password) {
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        public Builder commandTimeout(Duration v) { this.commandTimeout = v; return this; }

        /** How long the first connection is retried (default 30 s; zero: one attempt). */
        public Builder startupTimeout(Duration v) { this.startupTimeout = v; return this; }

        public Builder connections(int v) { this.connections = v; return this; }

        public Builder keyPrefix(String v) { this.keyPrefix = v; return this; }

        public Builder appName(String v) { this.appName = v; return this; }

        /** Sessions cached per replica; 0 disables the near cache. */
        public Builder nearCacheSize(long v) { this.nearCacheSize = v; return this; }

        /** How the near cache is invalidated; see {@link InvalidationMode} (default AUTO). */
        public Builder invalidation(InvalidationMode v) { this.invalidation = v; return this; }

        /** Shorthand: {@code true} is {@link InvalidationMode#AUTO}, {@code false} {@link InvalidationMode#NONE}. */
        public Builder tracking(boolean v) { this.invalidation = v ? InvalidationMode.AUTO : InvalidationMode.NONE; return this; }

        public Builder heartbeatInterval(Duration v) { this.heartbeatInterval = v; return this; }

        /** How recent the last answered heartbeat must be for a cached session to count as fresh (default 1 s). */
        public Builder freshnessWindow(Duration v) { this.freshnessWindow = v; return this; }

        public Builder guardPolicy(GuardPolicy v) { this.guardPolicy = v; return this; }

        public RedisOptions build() {
            return new RedisOptions(topology, uris, tls, verifyPeer, trustCertificates, clientCertificate, clientKey,
                    username, password, commandTimeout, startupTimeout, connections,
                    keyPrefix, appName, nearCacheSize, invalidation, heartbeatInterval, freshnessWindow, guardPolicy);
        }
    }
}
