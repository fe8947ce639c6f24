package dev.exstate.redis;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.internal.Check;
import dev.exstate.internal.Redaction;
import dev.exstate.internal.Unicode;
import io.lettuce.core.RedisURI;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How to reach Redis and how the Redis providers behave. Immutable and thread-safe; build with
 * {@link #standalone(String)}, {@link #sentinel(String)} or {@link #cluster(List)}, or change a
 * copy with {@link #toBuilder()}.
 *
 * <p>Defaults are meant for production on the same network: one multiplexed connection per
 * replica (per Redis Cluster node), a near cache of 10,000 sessions kept honest by RESP3 client
 * tracking (or by pub/sub on servers without it, see {@link InvalidationMode}), a heartbeat every
 * 250 ms with cached sessions served as fresh only within 1 s of the last one answered,
 * {@link GuardPolicy#defaults()}, a 2 s bound on connecting and housekeeping commands, 30 s
 * for the first connection, keys under {@code exstate:<app>:}, TLS only for {@code rediss://}
 * URIs, with the peer verified against the JDK's trust store, and writes acknowledged once the
 * master applied them ({@link RedisDurability#async()}; see {@link #sessionDurability()}).
 *
 * <p>Each setting is checked when it is given: the URIs by the static entry points, every other
 * setting by its builder setter, which fails with {@link IllegalArgumentException} (or
 * {@link NullPointerException} for a {@code null} that is not allowed) naming the setting, the
 * value and the allowed range. {@link Builder#build()} checks only the rules between settings
 * (TLS files need TLS, the freshness window is longer than the heartbeat). A setting may be set
 * again; the last value wins.
 *
 * <p>The password is never shown: it has no accessor, is left out of {@link #equals},
 * {@link #hashCode()} and {@link #toString()} (options that differ only in their password are
 * equal), and never appears in a validation error. Nor do credentials embedded in a URI:
 * {@link #uris()} and every message mask everything up to the last {@code '@'} before the host.
 * A password inside a URI that holds {@code '@'}, {@code ':'}, {@code '/'} or {@code '%'} must be
 * percent-encoded ({@code p%40ss}), or given with {@link Builder#credentials} instead.
 */
public final class RedisOptions {

    /** Longest {@code keyPrefix} and {@code appName}, in characters. */
    public static final int MAX_KEY_SEGMENT = 100;
    /** Upper bound of {@code commandTimeout}, {@code startupTimeout}, {@code heartbeatInterval} and {@code freshnessWindow}. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    private static final int MAX_CONNECTIONS = 64;

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

    private final Topology topology;
    // as given, user info included: only for connecting (see connectUris)
    private final List<String> connectUris;
    // user info masked: what accessors, equals and toString see
    private final List<String> uris;
    private final boolean tls;
    private final boolean verifyPeer;
    private final Path trustCertificates;
    private final Path clientCertificate;
    private final Path clientKey;
    private final String username;
    private final String password;
    private final Duration commandTimeout;
    private final Duration startupTimeout;
    private final int connections;
    private final String keyPrefix;
    private final String appName;
    private final long nearCacheSize;
    private final InvalidationMode invalidation;
    private final Duration heartbeatInterval;
    private final Duration freshnessWindow;
    private final GuardPolicy guardPolicy;
    private final RedisDurability sessionDurability;
    private final RedisDurability leaseDurability;
    private final int durableConnections;

    private RedisOptions(Builder b) {
        this.topology = b.topology;
        this.connectUris = List.copyOf(b.uris);
        this.uris = connectUris.stream().map(Redaction::url).toList();
        this.tls = b.tls;
        this.verifyPeer = b.verifyPeer;
        this.trustCertificates = b.trustCertificates;
        this.clientCertificate = b.clientCertificate;
        this.clientKey = b.clientKey;
        this.username = b.username;
        this.password = b.password;
        this.commandTimeout = b.commandTimeout;
        this.startupTimeout = b.startupTimeout;
        this.connections = b.connections;
        this.keyPrefix = b.keyPrefix;
        this.appName = b.appName;
        this.nearCacheSize = b.nearCacheSize;
        this.invalidation = b.invalidation;
        this.heartbeatInterval = b.heartbeatInterval;
        this.freshnessWindow = b.freshnessWindow;
        this.guardPolicy = b.guardPolicy;
        this.sessionDurability = b.sessionDurability;
        this.leaseDurability = b.leaseDurability;
        this.durableConnections = b.durableConnections;
    }

    /**
     * A single Redis server: {@code redis://host:port} or {@code rediss://host:port} (TLS).
     *
     * @throws IllegalArgumentException if {@code uri} is not such a URI
     */
    public static Builder standalone(String uri) {
        return new Builder(Topology.STANDALONE, List.of(uri));
    }

    /**
     * A Sentinel-managed master: {@code redis-sentinel://h1:26379,h2:26379#mymaster}.
     *
     * @throws IllegalArgumentException if {@code uri} is not such a URI
     */
    public static Builder sentinel(String uri) {
        return new Builder(Topology.SENTINEL, List.of(uri));
    }

    /**
     * A Redis Cluster, given some of its nodes as {@code redis://host:port}.
     *
     * @throws IllegalArgumentException if there is none, or one is not such a URI
     */
    public static Builder cluster(List<String> seedUris) {
        return new Builder(Topology.CLUSTER, seedUris);
    }

    /** A builder starting from these options, password included. */
    public Builder toBuilder() {
        Builder b = new Builder(topology, connectUris);
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
        b.sessionDurability = sessionDurability;
        b.leaseDurability = leaseDurability;
        b.durableConnections = durableConnections;
        return b;
    }

    /** Standalone server, Sentinel-managed master, or Redis Cluster. */
    public Topology topology() {
        return topology;
    }

    /**
     * The URIs, with any user info masked ({@code redis://****@host:6379}): {@code redis://} /
     * {@code rediss://} (TLS) for a standalone server or cluster seed nodes,
     * {@code redis-sentinel://h1:p1,h2:p2#master} for Sentinel.
     */
    public List<String> uris() {
        return uris;
    }

    /** Whether TLS is used even if the URI scheme does not say so (default false). */
    public boolean tls() {
        return tls;
    }

    /** With TLS, whether the server certificate and host name are verified (default true). */
    public boolean verifyPeer() {
        return verifyPeer;
    }

    /** With TLS: PEM file of the CA certificates to trust (a private CA), or {@code null} for the JDK's default trust store. */
    public Path trustCertificates() {
        return trustCertificates;
    }

    /** With TLS: PEM client certificate (chain) for mutual TLS, or {@code null}. */
    public Path clientCertificate() {
        return clientCertificate;
    }

    /** With TLS: unencrypted PKCS#8 PEM key of {@link #clientCertificate()}, or {@code null}. */
    public Path clientKey() {
        return clientKey;
    }

    /** ACL user name, or {@code null} for the default user. */
    public String username() {
        return username;
    }

    /** Whether a password was given with {@link Builder#credentials} or {@link Builder#password} (one in a URI does not count). */
    public boolean hasPassword() {
        return password != null;
    }

    /**
     * The password, or {@code null}: for {@link RedisState} to hand to the connector, and for
     * nothing else.
     */
    String password() {
        return password;
    }

    /** The URIs as given, credentials included: for {@link RedisState} to hand to the connector, and for nothing else. */
    List<String> connectUris() {
        return connectUris;
    }

    /**
     * Bounds connecting (TCP connect and handshake of one attempt) and the connector's own
     * housekeeping commands (start-up probes, readiness wait, heartbeat PING): positive, at most
     * {@link #MAX_INTERVAL} (default 2 s). Data calls are timed by the guard policy alone.
     */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * How long the first provider keeps trying to connect (attempts bounded by
     * {@code commandTimeout}, jittered backoff from 100 ms to 2 s in between) before it fails with
     * {@link dev.exstate.guard.StateUnavailableException}; zero means one attempt. Refused
     * credentials fail at once with {@link dev.exstate.guard.StateAccessDeniedException}.
     * 0 to {@link #MAX_INTERVAL} (default 30 s).
     */
    public Duration startupTimeout() {
        return startupTimeout;
    }

    /**
     * Multiplexed connections per replica (per node in a cluster); commands are spread over them
     * round robin: 1 to 64 (default 1).
     */
    public int connections() {
        return connections;
    }

    /**
     * First segment of every key (default {@code exstate}); keys look like
     * {@code exstate:<app>:session:{<id>}}. Key segments hold at most {@link #MAX_KEY_SEGMENT}
     * characters, no braces, whitespace, control characters or unpaired surrogates.
     */
    public String keyPrefix() {
        return keyPrefix;
    }

    /**
     * Second segment of every key; {@code null} (the default) means "the runtime's app name"
     * (or {@code app} when used without a runtime).
     */
    public String appName() {
        return appName;
    }

    /** Sessions cached per replica; 0 turns the near cache off (default 10,000). */
    public long nearCacheSize() {
        return nearCacheSize;
    }

    /**
     * How the near cache learns that another replica changed a session (default
     * {@link InvalidationMode#AUTO}); {@link InvalidationMode#NONE} turns the near cache off.
     */
    public InvalidationMode invalidation() {
        return invalidation;
    }

    /**
     * How often each connection is pinged (default 250 ms, positive, at most
     * {@link #MAX_INTERVAL}); a failed ping marks the replica not ready and the near cache stale
     * until a ping succeeds. This bounds how long a silently broken connection can go unnoticed.
     * Costs one PING per interval per connection.
     */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /**
     * A cached session is served as fresh only while the invalidation channel answered a
     * heartbeat PING sent at most this long ago (default 1 s, longer than
     * {@link #heartbeatInterval()}, at most {@link #MAX_INTERVAL}); otherwise the read goes to
     * Redis. Replies come in order behind invalidations, so a session served from the near cache
     * reflects every write Redis applied until this long before the read, on any link.
     */
    public Duration freshnessWindow() {
        return freshnessWindow;
    }

    /**
     * The policy of the guard of every Redis call (default {@link GuardPolicy#defaults()}). Under
     * a {@link dev.exstate.runtime.StateRuntime} it becomes the runtime's guard for
     * {@code "redis"} unless the runtime sets one; setting both to different policies fails the
     * runtime's build.
     */
    public GuardPolicy guardPolicy() {
        return guardPolicy;
    }

    /**
     * When a session write (create, save, compute, rotateId, invalidate) counts as done (default
     * {@link RedisDurability#async()}); see {@link RedisDurability} for what each level promises
     * across a failover. Reads and the background touch of a session's idle timer never wait.
     */
    public RedisDurability sessionDurability() {
        return sessionDurability;
    }

    /**
     * When a lease write (acquire, tick claim, renew, release) counts as done (default
     * {@link RedisDurability#async()}). Fencing tokens never repeat across a failover at either
     * level (see the module README); {@link RedisDurability#replicas(int)} also keeps the lease
     * itself and a scheduled job's last claimed tick, so a failover can neither free a held lease
     * nor let a tick run again.
     */
    public RedisDurability leaseDurability() {
        return leaseDurability;
    }

    /**
     * Dedicated connections per replica for writes that wait for replicas (1 to 64, default 4),
     * opened only if {@link #sessionDurability()} or {@link #leaseDurability()} waits. {@code WAIT}
     * blocks the connection it is sent on, so such writes never use the shared multiplexed
     * connection; at most this many wait at once per replica, more wait for a free connection
     * within their deadline. In a cluster, each connects to the masters it writes to.
     */
    public int durableConnections() {
        return durableConnections;
    }

    /** True if session or lease writes wait for replicas. */
    public boolean waitsForReplicas() {
        return sessionDurability.waitsForReplicas() || leaseDurability.waitsForReplicas();
    }

    /**
     * True if a near cache is wanted (size above 0 and an invalidation mode other than NONE).
     * With {@link InvalidationMode#TRACKING} on a server without tracking there is none anyway.
     */
    public boolean nearCacheEnabled() {
        return nearCacheSize > 0 && invalidation != InvalidationMode.NONE;
    }

    /** Equal if every setting but the password is equal (URIs compared as {@link #uris()} shows them). */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RedisOptions r)) {
            return false;
        }
        return topology == r.topology && uris.equals(r.uris) && tls == r.tls && verifyPeer == r.verifyPeer
                && Objects.equals(trustCertificates, r.trustCertificates)
                && Objects.equals(clientCertificate, r.clientCertificate) && Objects.equals(clientKey, r.clientKey)
                && Objects.equals(username, r.username) && commandTimeout.equals(r.commandTimeout)
                && startupTimeout.equals(r.startupTimeout) && connections == r.connections
                && keyPrefix.equals(r.keyPrefix) && Objects.equals(appName, r.appName) && nearCacheSize == r.nearCacheSize
                && invalidation == r.invalidation && heartbeatInterval.equals(r.heartbeatInterval)
                && freshnessWindow.equals(r.freshnessWindow) && guardPolicy.equals(r.guardPolicy)
                && sessionDurability.equals(r.sessionDurability) && leaseDurability.equals(r.leaseDurability)
                && durableConnections == r.durableConnections;
    }

    /** A hash of every setting but the password. */
    @Override
    public int hashCode() {
        return Objects.hash(topology, uris, tls, verifyPeer, trustCertificates, clientCertificate, clientKey, username,
                commandTimeout, startupTimeout, connections, keyPrefix, appName, nearCacheSize, invalidation,
                heartbeatInterval, freshnessWindow, guardPolicy, sessionDurability, leaseDurability, durableConnections);
    }

    /** Shows the topology, the URIs without credentials and the settings; never the password, only whether there is one. */
    @Override
    public String toString() {
        return "RedisOptions[" + topology + " " + uris
                + (tls ? ", tls" + (verifyPeer ? "" : " (no peer verification)") : "")
                + (trustCertificates != null ? ", trust=" + trustCertificates : "")
                + (clientCertificate != null ? ", clientCertificate=" + clientCertificate : "")
                + (username != null ? ", user=" + username : "")
                + (password != null ? ", password=" + Redaction.MASK : "")
                + ", commandTimeout=" + commandTimeout + ", startupTimeout=" + startupTimeout + ", connections=" + connections
                + ", keys=" + keyPrefix + ":" + (appName == null ? "<app>" : appName)
                + ", nearCacheSize=" + nearCacheSize + ", invalidation=" + invalidation
                + ", heartbeat=" + heartbeatInterval + ", freshnessWindow=" + freshnessWindow
                + ", guardPolicy=" + guardPolicy
                + (waitsForReplicas() ? ", sessionDurability=" + sessionDurability + ", leaseDurability=" + leaseDurability
                        + ", durableConnections=" + durableConnections : "")
                + "]";
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
            throw new IllegalArgumentException("Redis URI " + Redaction.url(uri) + " does not fit topology " + topology
                    + (topology == Topology.SENTINEL ? ": expected redis-sentinel://" : ": expected redis:// or rediss://"));
        }
        // parse errors quote their input, which may hold a password: only the reason is kept
        if (plain) {
            URI parsed;
            try {
                parsed = new URI(uri);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("Redis URI " + Redaction.url(uri) + " is malformed: " + e.getReason() + ENCODE_HINT);
            }
            if (parsed.getHost() == null) {
                throw new IllegalArgumentException("Redis URI " + Redaction.url(uri) + " has no host" + ENCODE_HINT);
            }
        }
        try {
            RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Redis URI " + Redaction.url(uri) + " cannot be parsed" + ENCODE_HINT);
        }
    }

    private static final String ENCODE_HINT = " (a password inside the URI must be percent-encoded, '@' as %40, "
            + "or given with credentials(user, password))";

    private static String checkKeySegment(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
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
        int bad = Unicode.unpairedSurrogate(value);
        if (bad >= 0) {
            // no UTF-8 form: Redis would see '?', so two different prefixes would share their keys
            throw new IllegalArgumentException(name + " contains an unpaired UTF-16 surrogate at index " + bad);
        }
        return value;
    }

    /**
     * Builder for {@link RedisOptions}. Each setter checks its value at once (see the class
     * comment); setting a value again replaces it. Not thread-safe.
     */
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
        private RedisDurability sessionDurability = RedisDurability.async();
        private RedisDurability leaseDurability = RedisDurability.async();
        private int durableConnections = 4;

        private Builder(Topology topology, List<String> uris) {
            this.topology = Objects.requireNonNull(topology, "topology");
            this.uris = new ArrayList<>(Objects.requireNonNull(uris, "uris"));
            if (this.uris.isEmpty()) {
                throw new IllegalArgumentException("at least one Redis URI is required");
            }
            for (String u : this.uris) {
                checkUri(topology, u);
            }
            if (topology != Topology.CLUSTER && this.uris.size() != 1) {
                throw new IllegalArgumentException(topology + " takes exactly one URI (Sentinel nodes go into one "
                        + "redis-sentinel://h1:p1,h2:p2#master URI), got " + this.uris.size());
            }
        }

        /** TLS even for {@code redis://} URIs. */
        public Builder tls(boolean v) {
            this.tls = v;
            return this;
        }

        /** With TLS: verify certificate and host name (default true). */
        public Builder verifyPeer(boolean v) {
            this.verifyPeer = v;
            return this;
        }

        /** With TLS: trust the CA certificates in this PEM file instead of the JDK's default trust store ({@code null}: the default). */
        public Builder trustCertificates(Path pemFile) {
            this.trustCertificates = pemFile;
            return this;
        }

        /**
         * With TLS: present this client certificate (PEM, chain allowed) with its unencrypted
         * PKCS#8 PEM key, for servers that require client certificates ({@code tls-auth-clients yes});
         * both or neither ({@code null}).
         */
        public Builder clientCertificate(Path certificatePem, Path keyPem) {
            if ((certificatePem == null) != (keyPem == null)) {
                throw new IllegalArgumentException("clientCertificate and clientKey go together: set both or neither");
            }
            this.clientCertificate = certificatePem;
            this.clientKey = keyPem;
            return this;
        }

        /** ACL user ({@code null}: the default user) and its password. */
        public Builder credentials(String username, String password) {
            if (username != null && username.isBlank()) {
                throw new IllegalArgumentException("username must not be blank (use null for the default user)");
            }
            this.password = Objects.requireNonNull(password, "password");
            this.username = username;
            return this;
        }

        /** Password of the default user ({@code requirepass}). */
        public Builder password(String password) {
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Bound on connecting and on the connector's housekeeping commands: positive, at most {@link #MAX_INTERVAL}. */
        public Builder commandTimeout(Duration v) {
            this.commandTimeout = Check.positive(v, MAX_INTERVAL, "commandTimeout");
            return this;
        }

        /** How long the first connection is retried: 0 (one attempt) to {@link #MAX_INTERVAL}. */
        public Builder startupTimeout(Duration v) {
            this.startupTimeout = Check.between(v, Duration.ZERO, MAX_INTERVAL, "startupTimeout",
                    () -> "startupTimeout must be between 0 and " + MAX_INTERVAL + ", was " + v);
            return this;
        }

        /** Multiplexed connections per replica (per node in a cluster): 1 to 64. */
        public Builder connections(int v) {
            this.connections = Check.between(v, 1, MAX_CONNECTIONS, "connections");
            return this;
        }

        /** First segment of every key: see {@link RedisOptions#keyPrefix()} for what it may hold. */
        public Builder keyPrefix(String v) {
            this.keyPrefix = checkKeySegment(v, "keyPrefix");
            return this;
        }

        /** Second segment of every key, or {@code null} for the runtime's app name; see {@link RedisOptions#keyPrefix()}. */
        public Builder appName(String v) {
            this.appName = v == null ? null : checkKeySegment(v, "appName");
            return this;
        }

        /** Sessions cached per replica, 0 or more; 0 disables the near cache. */
        public Builder nearCacheSize(long v) {
            this.nearCacheSize = Check.valid(v, v >= 0, () -> "nearCacheSize must be >= 0, was " + v);
            return this;
        }

        /** How the near cache is invalidated; see {@link InvalidationMode} (default AUTO). */
        public Builder invalidation(InvalidationMode v) {
            this.invalidation = Objects.requireNonNull(v, "invalidation");
            return this;
        }

        /** Shorthand: {@code true} is {@link InvalidationMode#AUTO}, {@code false} {@link InvalidationMode#NONE}. */
        public Builder tracking(boolean v) {
            this.invalidation = v ? InvalidationMode.AUTO : InvalidationMode.NONE;
            return this;
        }

        /** How often each connection is pinged: positive, at most {@link #MAX_INTERVAL}. */
        public Builder heartbeatInterval(Duration v) {
            this.heartbeatInterval = Check.positive(v, MAX_INTERVAL, "heartbeatInterval");
            return this;
        }

        /**
         * How recent the last answered heartbeat must be for a cached session to count as fresh:
         * positive, at most {@link #MAX_INTERVAL}, and longer than the heartbeat interval (checked by {@link #build()}).
         */
        public Builder freshnessWindow(Duration v) {
            this.freshnessWindow = Check.positive(v, MAX_INTERVAL, "freshnessWindow");
            return this;
        }

        /** The policy of the guard of every Redis call. */
        public Builder guardPolicy(GuardPolicy v) {
            this.guardPolicy = Objects.requireNonNull(v, "guardPolicy");
            return this;
        }

        /** When a session write counts as done; see {@link RedisOptions#sessionDurability()}. */
        public Builder sessionDurability(RedisDurability v) {
            this.sessionDurability = Objects.requireNonNull(v, "sessionDurability");
            return this;
        }

        /** When a lease write counts as done; see {@link RedisOptions#leaseDurability()}. */
        public Builder leaseDurability(RedisDurability v) {
            this.leaseDurability = Objects.requireNonNull(v, "leaseDurability");
            return this;
        }

        /** Dedicated connections for writes that wait for replicas: 1 to 64; see {@link RedisOptions#durableConnections()}. */
        public Builder durableConnections(int v) {
            this.durableConnections = Check.between(v, 1, MAX_CONNECTIONS, "durableConnections");
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException if TLS files are given while TLS is off, or the
         *                                  freshness window is not longer than the heartbeat interval
         */
        public RedisOptions build() {
            if ((trustCertificates != null || clientCertificate != null) && !tls && !usesTlsScheme(uris)) {
                throw new IllegalArgumentException("TLS files given but TLS is off: use rediss:// URIs or tls(true)");
            }
            if (freshnessWindow.compareTo(heartbeatInterval) <= 0) {
                throw new IllegalArgumentException("freshnessWindow (" + freshnessWindow + ") must be longer than heartbeatInterval ("
                        + heartbeatInterval + "), or cached sessions would rarely count as fresh");
            }
            return new RedisOptions(this);
        }
    }
}
