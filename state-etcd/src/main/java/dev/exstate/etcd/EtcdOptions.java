package dev.exstate.etcd;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.internal.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How to reach etcd and how the etcd providers behave. Immutable; build with
 * {@link #builder(String...)}.
 *
 * <p>Keys live under {@code <keyPrefix><app>/}: config values under {@code .../config/} (the
 * snapshot's key names are the rest of the etcd key) and leases under {@code .../lease/}.
 *
 * <p>Defaults are meant for production on the same network: connect within 2 s, a gRPC ping
 * every 10 s (dead connections are noticed within 15 s even without traffic; etcd refuses pings
 * more often than every 5 s), {@link GuardPolicy#defaults()}, a start-up wait of 30 s for the
 * first connection and the first config snapshot, a watch that must answer a progress request within 2 s of being asked
 * (asked after 2 s of silence), a consistency check of the watch every 10 s, and re-reads after a
 * failure backing off up to 2 s, and replies of up to 64 MiB (gRPC's own default, 4 MiB, would
 * make a larger config prefix unreadable). The password never appears in {@link #toString()},
 * and no error message shows an endpoint's user info.
 *
 * <p>Every duration has an upper bound (stated below), so a huge value fails here with
 * {@link IllegalArgumentException} instead of overflowing later.
 *
 * @param endpoints             client URLs of etcd members, {@code http://host:port} or
 *                              {@code https://host:port} (TLS); give every member, so a client
 *                              survives the loss of any of them
 * @param user                  etcd user (authentication enabled), or {@code null}
 * @param password              its password, or {@code null}; never shown
 * @param trustCertificates     with TLS: PEM file of the CAs to trust, or {@code null} for the
 *                              JDK's default trust store
 * @param clientCertificate     with TLS: PEM client certificate for mutual TLS, or {@code null}
 * @param clientKey             with TLS: PEM (PKCS#8) key of {@code clientCertificate}
 * @param authority             with TLS: host name to verify instead of the endpoint's, or {@code null}
 * @param keyPrefix             first part of every key, starting and ending with {@code /}
 *                              (default {@code /exstate/})
 * @param appName               second part of every key; {@code null} means "the runtime's app
 *                              name" (or {@code app} when used without a runtime)
 * @param connectTimeout        TCP (and TLS) connect timeout per attempt; at most 5 minutes
 * @param keepAliveTime         gRPC ping interval on an idle connection; 5 s to 2 hours
 * @param keepAliveTimeout      how long a ping may stay unanswered before the connection is
 *                              dropped; at most 5 minutes
 * @param startupTimeout        how long building a provider (config source, lease provider, admin)
 *                              keeps trying to reach etcd, each attempt waiting at most twice the
 *                              connect timeout, and how long a config source waits for its first
 *                              read; separate from the guard's per-call timeouts. Zero returns at
 *                              once: the source is then not ready until the first read, the other
 *                              providers fail at their first call if etcd is away (default 30 s,
 *                              at most 1 hour)
 * @param defaults              config used (as revision 0, health DEGRADED) when etcd cannot be
 *                              read within {@code startupTimeout}; {@code null} means fail instead
 * @param watchProgressInterval after this much silence the config watch asks etcd for a progress
 *                              notification, and if none arrives within the same time again the
 *                              watch is declared stalled: the prefix is re-read and watched anew;
 *                              50 ms to 10 minutes
 * @param watchVerifyInterval   how often the config watch compares the keys' revisions in etcd
 *                              (one keys-only read of the prefix) with what it has applied; a key
 *                              found behind twice in a row with no change in etcd in between
 *                              means events were lost, and the prefix is re-read. Zero turns the
 *                              check off; otherwise 100 ms to 1 hour
 * @param maxRetryBackoff       longest pause between two failed re-reads of the config prefix;
 *                              at most 10 minutes
 * @param guardPolicy           policy of the guard of every etcd call (default
 *                              {@link GuardPolicy#defaults()}). Under a
 *                              {@link dev.exstate.runtime.StateRuntime} it becomes the runtime's
 *                              guard for {@code "etcd"} unless the runtime sets one; setting both
 *                              to different policies fails the runtime's build
 * @param maxInboundMessageSize largest reply from etcd this client accepts, in bytes (1 MiB to
 *                              1 GiB, default 64 MiB); the whole config prefix is read in one
 *                              reply, so it bounds the size of an application's config. A prefix
 *                              over it fails to load with {@link IllegalStateException} naming
 *                              this option
 */
public record EtcdOptions(
        List<String> endpoints,
        String user,
        String password,
        Path trustCertificates,
        Path clientCertificate,
        Path clientKey,
        String authority,
        String keyPrefix,
        String appName,
        Duration connectTimeout,
        Duration keepAliveTime,
        Duration keepAliveTimeout,
        Duration startupTimeout,
        Map<String, String> defaults,
        Duration watchProgressInterval,
        Duration watchVerifyInterval,
        Duration maxRetryBackoff,
        GuardPolicy guardPolicy,
        int maxInboundMessageSize) {

    /** Below this etcd (default {@code --grpc-keepalive-min-time}) answers pings with GOAWAY. */
    private static final Duration MIN_KEEPALIVE = Duration.ofSeconds(5);
    /** Default {@link #maxInboundMessageSize()}: 64 MiB. */
    public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 64 * 1024 * 1024;
    /** Smallest {@link #maxInboundMessageSize()} accepted: 1 MiB. */
    public static final int MIN_INBOUND_MESSAGE_SIZE = 1024 * 1024;
    /** Largest {@link #maxInboundMessageSize()} accepted: 1 GiB. */
    public static final int MAX_INBOUND_MESSAGE_SIZE = 1024 * 1024 * 1024;

    public EtcdOptions {
        Objects.requireNonNull(endpoints, "endpoints");
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is required");
        }
        Boolean tls = null;
        for (String e : endpoints) {
            boolean https = checkEndpoint(e);
            if (tls != null && tls != https) {
                throw new IllegalArgumentException("etcd endpoints mix http:// and https://: "
                        + endpoints.stream().map(Redaction::url).toList());
            }
            tls = https;
        }
        if ((user == null) != (password == null)) {
            throw new IllegalArgumentException("etcd user and password go together: set both or neither");
        }
        if (user != null && user.isBlank()) {
            throw new IllegalArgumentException("etcd user must not be blank");
        }
        if (user != null && (hasControl(user) || hasControl(password))) {
            throw new IllegalArgumentException("etcd user and password must not contain control characters");
        }
        if ((clientCertificate == null) != (clientKey == null)) {
            throw new IllegalArgumentException("clientCertificate and clientKey go together: set both or neither");
        }
        if (!tls && (trustCertificates != null || clientCertificate != null || authority != null)) {
            throw new IllegalArgumentException("TLS settings given but the endpoints are http://; use https:// endpoints");
        }
        if (authority != null && (authority.isEmpty() || authority.length() > 255 || hasControlOrSpace(authority)
                || authority.chars().anyMatch(c -> c == '/' || c == '@' || c == '?' || c == '#' || c > '~'))) {
            // it becomes the :authority of every request: no room for anything but host[:port]
            throw new IllegalArgumentException("authority must be a host name (with an optional :port), was '"
                    + Redaction.printable(authority, 80) + "'");
        }
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (!keyPrefix.startsWith("/") || !keyPrefix.endsWith("/") || hasControlOrSpace(keyPrefix)) {
            throw new IllegalArgumentException("keyPrefix must start and end with '/' and contain no whitespace "
                    + "or control characters, was '" + Redaction.printable(keyPrefix, 80) + "'");
        }
        if (appName != null && (appName.isBlank() || appName.contains("/") || hasControlOrSpace(appName))) {
            throw new IllegalArgumentException("appName must be non-blank, without '/', whitespace or control "
                    + "characters, was '" + Redaction.printable(appName, 80) + "'");
        }
        requirePositive(connectTimeout, "connectTimeout", Duration.ofMinutes(5));
        requirePositive(keepAliveTime, "keepAliveTime", Duration.ofHours(2));
        if (keepAliveTime.compareTo(MIN_KEEPALIVE) < 0) {
            throw new IllegalArgumentException("keepAliveTime must be at least " + MIN_KEEPALIVE
                    + " (etcd closes connections that ping more often), was " + keepAliveTime);
        }
        requirePositive(keepAliveTimeout, "keepAliveTimeout", Duration.ofMinutes(5));
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        if (startupTimeout.isNegative() || startupTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("startupTimeout must be between 0 and 1 hour, was " + startupTimeout);
        }
        if (defaults != null) {
            defaults = Collections.unmodifiableMap(new TreeMap<>(defaults));
        }
        requirePositive(watchProgressInterval, "watchProgressInterval", Duration.ofMinutes(10));
        if (watchProgressInterval.toMillis() < 50) {
            throw new IllegalArgumentException("watchProgressInterval must be at least 50 ms, was " + watchProgressInterval);
        }
        Objects.requireNonNull(watchVerifyInterval, "watchVerifyInterval");
        if (watchVerifyInterval.isNegative() || watchVerifyInterval.compareTo(Duration.ofHours(1)) > 0
                || (!watchVerifyInterval.isZero() && watchVerifyInterval.toMillis() < 100)) {
            throw new IllegalArgumentException("watchVerifyInterval must be zero (off) or between 100 ms and 1 hour, was "
                    + watchVerifyInterval);
        }
        requirePositive(maxRetryBackoff, "maxRetryBackoff", Duration.ofMinutes(10));
        Objects.requireNonNull(guardPolicy, "guardPolicy");
        if (maxInboundMessageSize < MIN_INBOUND_MESSAGE_SIZE || maxInboundMessageSize > MAX_INBOUND_MESSAGE_SIZE) {
            throw new IllegalArgumentException("maxInboundMessageSize must be between " + MIN_INBOUND_MESSAGE_SIZE
                    + " (1 MiB) and " + MAX_INBOUND_MESSAGE_SIZE + " (1 GiB) bytes, was " + maxInboundMessageSize);
        }
    }

    /** Options for these etcd client URLs, e.g. {@code builder("http://10.0.0.1:2379", "http://10.0.0.2:2379")}. */
    public static Builder builder(String... endpoints) {
        return new Builder(List.of(endpoints));
    }

    public static Builder builder(List<String> endpoints) {
        return new Builder(endpoints);
    }

    /** True if the endpoints are {@code https://}. */
    public boolean tls() {
        return endpoints.get(0).toLowerCase(Locale.ROOT).startsWith("https://");
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder(endpoints);
        b.user = user;
        b.password = password;
        b.trustCertificates = trustCertificates;
        b.clientCertificate = clientCertificate;
        b.clientKey = clientKey;
        b.authority = authority;
        b.keyPrefix = keyPrefix;
        b.appName = appName;
        b.connectTimeout = connectTimeout;
        b.keepAliveTime = keepAliveTime;
        b.keepAliveTimeout = keepAliveTimeout;
        b.startupTimeout = startupTimeout;
        b.defaults = defaults;
        b.watchProgressInterval = watchProgressInterval;
        b.watchVerifyInterval = watchVerifyInterval;
        b.maxRetryBackoff = maxRetryBackoff;
        b.guardPolicy = guardPolicy;
        b.maxInboundMessageSize = maxInboundMessageSize;
        return b;
    }

    /** Shows endpoints and settings; never the password, nor config defaults (they may hold secrets). */
    @Override
    public String toString() {
        return "EtcdOptions[" + endpoints.stream().map(Redaction::url).toList()
                + (user != null ? ", user=" + user + ", password=****" : "")
                + (trustCertificates != null ? ", trust=" + trustCertificates : "")
                + (clientCertificate != null ? ", clientCertificate=" + clientCertificate : "")
                + (authority != null ? ", authority=" + authority : "")
                + ", keys=" + keyPrefix + (appName == null ? "<app>" : appName) + "/"
                + ", connectTimeout=" + connectTimeout + ", keepAlive=" + keepAliveTime + "/" + keepAliveTimeout
                + ", startupTimeout=" + startupTimeout
                + (defaults != null ? ", defaults=" + defaults.size() + " keys" : "")
                + ", watchProgressInterval=" + watchProgressInterval + ", watchVerifyInterval=" + watchVerifyInterval
                + ", maxRetryBackoff=" + maxRetryBackoff + ", maxInboundMessageSize=" + maxInboundMessageSize + "]";
    }

    /** Returns true for https. */
    private static boolean checkEndpoint(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalArgumentException("etcd endpoint must not be blank");
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            // neither the endpoint nor the parser's message is echoed whole: either may hold a password
            throw new IllegalArgumentException("etcd endpoint '" + Redaction.url(endpoint) + "' is malformed"
                    + " (at index " + e.getIndex() + "); expected http://host:port or https://host:port");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("etcd endpoint '" + Redaction.url(endpoint) + "' must start with http:// or https://");
        }
        if (uri.getUserInfo() != null) {
            // would end up in logs and errors; credentials have their own options
            throw new IllegalArgumentException("etcd endpoint must not carry credentials; use user/password options");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            // a registry-based authority (e.g. two '@') has no user info for URI, but may hold a password
            throw new IllegalArgumentException("etcd endpoint '" + Redaction.url(endpoint) + "' needs a host and a port");
        }
        return scheme.equals("https");
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }

    private static boolean hasControlOrSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return true;
            }
        }
        return false;
    }

    private static void requirePositive(Duration d, String name, Duration max) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be positive and at most " + max + ", was " + d);
        }
    }

    /** Builder for {@link EtcdOptions}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final List<String> endpoints;
        private String user;
        private String password;
        private Path trustCertificates;
        private Path clientCertificate;
        private Path clientKey;
        private String authority;
        private String keyPrefix = "/exstate/";
        private String appName;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration keepAliveTime = Duration.ofSeconds(10);
        private Duration keepAliveTimeout = Duration.ofSeconds(5);
        private Duration startupTimeout = Duration.ofSeconds(30);
        private Map<String, String> defaults;
        private Duration watchProgressInterval = Duration.ofSeconds(2);
        private Duration watchVerifyInterval = Duration.ofSeconds(10);
        private Duration maxRetryBackoff = Duration.ofSeconds(2);
        private GuardPolicy guardPolicy = GuardPolicy.defaults();
        private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;

        private Builder(List<String> endpoints) {
            this.endpoints = new ArrayList<>(Objects.requireNonNull(endpoints, "endpoints"));
        }

        /** etcd user and password (etcd authentication). */
        public Builder credentials(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** PEM file of the CAs that signed the etcd server certificates. */
        public Builder trustCertificates(Path pem) { this.trustCertificates = pem; return this; }

        /** Client certificate and PKCS#8 key (PEM) for mutual TLS. */
        public Builder clientCertificate(Path certificate, Path key) {
            this.clientCertificate = certificate;
            this.clientKey = key;
            return this;
        }

        /** Host name the server certificate must match, when it differs from the endpoints' hosts. */
        public Builder authority(String v) { this.authority = v; return this; }

        public Builder keyPrefix(String v) { this.keyPrefix = v; return this; }

        public Builder appName(String v) { this.appName = v; return this; }

        public Builder connectTimeout(Duration v) { this.connectTimeout = v; return this; }

        public Builder keepAliveTime(Duration v) { this.keepAliveTime = v; return this; }

        public Builder keepAliveTimeout(Duration v) { this.keepAliveTimeout = v; return this; }

        public Builder startupTimeout(Duration v) { this.startupTimeout = v; return this; }

        /** Config to serve (as revision 0) if etcd cannot be read at start; without it start-up fails. */
        public Builder defaults(Map<String, String> v) {
            this.defaults = v == null ? null : Map.copyOf(v);
            return this;
        }

        public Builder watchProgressInterval(Duration v) { this.watchProgressInterval = v; return this; }

        /** How often the watch checks it has missed nothing (a keys-only read of the prefix); zero turns it off. */
        public Builder watchVerifyInterval(Duration v) { this.watchVerifyInterval = v; return this; }

        public Builder maxRetryBackoff(Duration v) { this.maxRetryBackoff = v; return this; }

        public Builder guardPolicy(GuardPolicy v) { this.guardPolicy = v; return this; }

        /** Largest reply from etcd accepted, in bytes (1 MiB to 1 GiB); it bounds the size of one application's config. */
        public Builder maxInboundMessageSize(int bytes) { this.maxInboundMessageSize = bytes; return this; }

        public EtcdOptions build() {
            return new EtcdOptions(endpoints, user, password, trustCertificates, clientCertificate, clientKey,
                    authority, keyPrefix, appName, connectTimeout, keepAliveTime, keepAliveTimeout, startupTimeout,
                    defaults, watchProgressInterval, watchVerifyInterval, maxRetryBackoff, guardPolicy, maxInboundMessageSize);
        }
    }
}
