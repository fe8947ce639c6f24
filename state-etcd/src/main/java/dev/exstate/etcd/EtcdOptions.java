package dev.exstate.etcd;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.internal.Check;
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
 * How to reach etcd and how the etcd providers behave. Immutable and thread-safe; build with
 * {@link #builder(String...)}, or change a copy with {@link #toBuilder()}.
 *
 * <p>Keys live under {@code <keyPrefix><app>/}: config values under {@code .../config/} (the
 * snapshot's key names are the rest of the etcd key) and leases under {@code .../lease/}.
 *
 * <p>Defaults are meant for production on the same network: keys under {@code /exstate/<app>/},
 * connect within 2 s, a gRPC ping every 10 s answered within 5 s (dead connections are noticed
 * within 15 s even without traffic; etcd refuses pings more often than every 5 s),
 * {@link GuardPolicy#defaults()}, a start-up wait of 30 s for the first connection and the first
 * config snapshot, a watch that must answer a progress request within 2 s of being asked (asked
 * after 2 s of silence), a consistency check of the watch every 10 s, re-reads after a failure
 * backing off up to 2 s, and replies of up to 64 MiB (gRPC's own default, 4 MiB, would make a
 * larger config prefix unreadable); no credentials, no config defaults.
 *
 * <p>Each setting is checked when it is given: the endpoints by {@link #builder(String...)},
 * every other setting by its builder setter, which fails with {@link IllegalArgumentException}
 * (or {@link NullPointerException} for a {@code null} that is not allowed) naming the setting,
 * the value and the allowed range. Every duration has an upper bound (stated on its accessor),
 * so a huge value fails here instead of overflowing later. {@link Builder#build()} checks only
 * that TLS settings come with {@code https://} endpoints. A setting may be set again; the last
 * value wins.
 *
 * <p>The password is never shown: it has no accessor, is left out of {@link #equals},
 * {@link #hashCode()} and {@link #toString()} (options that differ only in their password are
 * equal), and no error message shows it or an endpoint's user info.
 */
public final class EtcdOptions {

    /** Below this etcd (default {@code --grpc-keepalive-min-time}) answers pings with GOAWAY. */
    private static final Duration MIN_KEEPALIVE = Duration.ofSeconds(5);
    /** Default {@link #maxInboundMessageSize()}: 64 MiB. */
    public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 64 * 1024 * 1024;
    /** Smallest {@link #maxInboundMessageSize()} accepted: 1 MiB. */
    public static final int MIN_INBOUND_MESSAGE_SIZE = 1024 * 1024;
    /** Largest {@link #maxInboundMessageSize()} accepted: 1 GiB. */
    public static final int MAX_INBOUND_MESSAGE_SIZE = 1024 * 1024 * 1024;

    private final List<String> endpoints;
    private final boolean tls;
    private final String user;
    private final String password;
    private final Path trustCertificates;
    private final Path clientCertificate;
    private final Path clientKey;
    private final String authority;
    private final String keyPrefix;
    private final String appName;
    private final Duration connectTimeout;
    private final Duration keepAliveTime;
    private final Duration keepAliveTimeout;
    private final Duration startupTimeout;
    private final Map<String, String> defaults;
    private final Duration watchProgressInterval;
    private final Duration watchVerifyInterval;
    private final Duration maxRetryBackoff;
    private final GuardPolicy guardPolicy;
    private final int maxInboundMessageSize;

    private EtcdOptions(Builder b) {
        this.endpoints = List.copyOf(b.endpoints);
        this.tls = b.tls;
        this.user = b.user;
        this.password = b.password;
        this.trustCertificates = b.trustCertificates;
        this.clientCertificate = b.clientCertificate;
        this.clientKey = b.clientKey;
        this.authority = b.authority;
        this.keyPrefix = b.keyPrefix;
        this.appName = b.appName;
        this.connectTimeout = b.connectTimeout;
        this.keepAliveTime = b.keepAliveTime;
        this.keepAliveTimeout = b.keepAliveTimeout;
        this.startupTimeout = b.startupTimeout;
        this.defaults = b.defaults;
        this.watchProgressInterval = b.watchProgressInterval;
        this.watchVerifyInterval = b.watchVerifyInterval;
        this.maxRetryBackoff = b.maxRetryBackoff;
        this.guardPolicy = b.guardPolicy;
        this.maxInboundMessageSize = b.maxInboundMessageSize;
    }

    /**
     * Options for these etcd client URLs, e.g. {@code builder("http://10.0.0.1:2379", "http://10.0.0.2:2379")}.
     *
     * @throws IllegalArgumentException if there is none, one is not {@code http(s)://host:port},
     *                                  carries user info, or the schemes are mixed
     */
    public static Builder builder(String... endpoints) {
        return new Builder(List.of(endpoints));
    }

    /**
     * Options for these etcd client URLs; see {@link #builder(String...)}.
     *
     * @throws IllegalArgumentException as {@link #builder(String...)} does
     */
    public static Builder builder(List<String> endpoints) {
        return new Builder(endpoints);
    }

    /** A builder starting from these options, password included. */
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

    /**
     * Client URLs of etcd members, {@code http://host:port} or {@code https://host:port} (TLS);
     * give every member, so a client survives the loss of any of them.
     */
    public List<String> endpoints() {
        return endpoints;
    }

    /** True if the endpoints are {@code https://}. */
    public boolean tls() {
        return tls;
    }

    /** etcd user (authentication enabled), or {@code null}; its password has no accessor. */
    public String user() {
        return user;
    }

    /** Whether credentials (user and password) were given. */
    public boolean hasCredentials() {
        return user != null;
    }

    /**
     * The password, or {@code null}: for {@link EtcdState} to hand to the connection, and for
     * nothing else.
     */
    String password() {
        return password;
    }

    /** With TLS: PEM file of the CAs to trust, or {@code null} for the JDK's default trust store. */
    public Path trustCertificates() {
        return trustCertificates;
    }

    /** With TLS: PEM client certificate for mutual TLS, or {@code null}. */
    public Path clientCertificate() {
        return clientCertificate;
    }

    /** With TLS: PEM (PKCS#8) key of {@link #clientCertificate()}, or {@code null}. */
    public Path clientKey() {
        return clientKey;
    }

    /** With TLS: host name to verify instead of the endpoint's, or {@code null}. */
    public String authority() {
        return authority;
    }

    /** First part of every key, starting and ending with {@code /} (default {@code /exstate/}). */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** Second part of every key; {@code null} means "the runtime's app name" (or {@code app} when used without a runtime). */
    public String appName() {
        return appName;
    }

    /** TCP (and TLS) connect timeout per attempt: positive, at most 5 minutes (default 2 s). */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** gRPC ping interval on an idle connection: 5 s to 2 hours (default 10 s). */
    public Duration keepAliveTime() {
        return keepAliveTime;
    }

    /** How long a ping may stay unanswered before the connection is dropped: positive, at most 5 minutes (default 5 s). */
    public Duration keepAliveTimeout() {
        return keepAliveTimeout;
    }

    /**
     * How long building a provider (config source, lease provider, admin) keeps trying to reach
     * etcd, each attempt waiting at most twice the connect timeout, and how long a config source
     * waits for its first read; separate from the guard's per-call timeouts. Zero returns at
     * once: the source is then not ready until the first read, the other providers fail at their
     * first call if etcd is away. 0 to 1 hour (default 30 s).
     */
    public Duration startupTimeout() {
        return startupTimeout;
    }

    /**
     * Config used (as revision 0, health DEGRADED) when etcd cannot be read within
     * {@link #startupTimeout()}, sorted by key and unmodifiable; {@code null} (the default) means
     * fail instead.
     */
    public Map<String, String> defaults() {
        return defaults;
    }

    /**
     * After this much silence the config watch asks etcd for a progress notification, and if none
     * arrives within the same time again the watch is declared stalled: the prefix is re-read and
     * watched anew. 50 ms to 10 minutes (default 2 s).
     */
    public Duration watchProgressInterval() {
        return watchProgressInterval;
    }

    /**
     * How often the config watch compares the keys' revisions in etcd (one keys-only read of the
     * prefix) with what it has applied; a key found behind twice in a row with no change in etcd
     * in between means events were lost, and the prefix is re-read. Zero turns the check off;
     * otherwise 100 ms to 1 hour (default 10 s).
     */
    public Duration watchVerifyInterval() {
        return watchVerifyInterval;
    }

    /** Longest pause between two failed re-reads of the config prefix: positive, at most 10 minutes (default 2 s). */
    public Duration maxRetryBackoff() {
        return maxRetryBackoff;
    }

    /**
     * Policy of the guard of every etcd call (default {@link GuardPolicy#defaults()}). Under a
     * {@link dev.exstate.runtime.StateRuntime} it becomes the runtime's guard for {@code "etcd"}
     * unless the runtime sets one; setting both to different policies fails the runtime's build.
     */
    public GuardPolicy guardPolicy() {
        return guardPolicy;
    }

    /**
     * Largest reply from etcd this client accepts, in bytes ({@link #MIN_INBOUND_MESSAGE_SIZE} to
     * {@link #MAX_INBOUND_MESSAGE_SIZE}, default 64 MiB); the whole config prefix is read in one
     * reply, so it bounds the size of an application's config. A prefix over it fails to load
     * with {@link IllegalStateException} naming this option.
     */
    public int maxInboundMessageSize() {
        return maxInboundMessageSize;
    }

    /** Equal if every setting but the password is equal. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EtcdOptions e)) {
            return false;
        }
        return endpoints.equals(e.endpoints) && Objects.equals(user, e.user)
                && Objects.equals(trustCertificates, e.trustCertificates)
                && Objects.equals(clientCertificate, e.clientCertificate) && Objects.equals(clientKey, e.clientKey)
                && Objects.equals(authority, e.authority) && keyPrefix.equals(e.keyPrefix)
                && Objects.equals(appName, e.appName) && connectTimeout.equals(e.connectTimeout)
                && keepAliveTime.equals(e.keepAliveTime) && keepAliveTimeout.equals(e.keepAliveTimeout)
                && startupTimeout.equals(e.startupTimeout) && Objects.equals(defaults, e.defaults)
                && watchProgressInterval.equals(e.watchProgressInterval) && watchVerifyInterval.equals(e.watchVerifyInterval)
                && maxRetryBackoff.equals(e.maxRetryBackoff) && guardPolicy.equals(e.guardPolicy)
                && maxInboundMessageSize == e.maxInboundMessageSize;
    }

    /** A hash of every setting but the password. */
    @Override
    public int hashCode() {
        return Objects.hash(endpoints, user, trustCertificates, clientCertificate, clientKey, authority, keyPrefix, appName,
                connectTimeout, keepAliveTime, keepAliveTimeout, startupTimeout, defaults, watchProgressInterval,
                watchVerifyInterval, maxRetryBackoff, guardPolicy, maxInboundMessageSize);
    }

    /** Shows endpoints and settings; never the password (only whether there is one), nor config defaults (they may hold secrets). */
    @Override
    public String toString() {
        return "EtcdOptions[" + endpoints.stream().map(Redaction::url).toList()
                + (user != null ? ", user=" + user + ", password=" + Redaction.MASK : "")
                + (trustCertificates != null ? ", trust=" + trustCertificates : "")
                + (clientCertificate != null ? ", clientCertificate=" + clientCertificate : "")
                + (authority != null ? ", authority=" + authority : "")
                + ", keys=" + keyPrefix + (appName == null ? "<app>" : appName) + "/"
                + ", connectTimeout=" + connectTimeout + ", keepAlive=" + keepAliveTime + "/" + keepAliveTimeout
                + ", startupTimeout=" + startupTimeout
                + (defaults != null ? ", defaults=" + defaults.size() + " keys" : "")
                + ", watchProgressInterval=" + watchProgressInterval + ", watchVerifyInterval=" + watchVerifyInterval
                + ", maxRetryBackoff=" + maxRetryBackoff + ", maxInboundMessageSize=" + maxInboundMessageSize
                + ", guardPolicy=" + guardPolicy + "]";
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

    /**
     * Builder for {@link EtcdOptions}. Each setter checks its value at once (see the class
     * comment); setting a value again replaces it. Not thread-safe.
     */
    public static final class Builder {
        private final List<String> endpoints;
        private final boolean tls;
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
            if (this.endpoints.isEmpty()) {
                throw new IllegalArgumentException("at least one etcd endpoint is required");
            }
            Boolean https = null;
            for (String e : this.endpoints) {
                boolean s = checkEndpoint(e);
                if (https != null && https != s) {
                    throw new IllegalArgumentException("etcd endpoints mix http:// and https://: "
                            + this.endpoints.stream().map(Redaction::url).toList());
                }
                https = s;
            }
            this.tls = https;
        }

        /** etcd user and password (etcd authentication): the user not blank, neither with control characters. */
        public Builder credentials(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.isBlank()) {
                throw new IllegalArgumentException("etcd user must not be blank");
            }
            if (hasControl(user) || hasControl(password)) {
                // neither is echoed: the password never, the user may be half of a pasted secret
                throw new IllegalArgumentException("etcd user and password must not contain control characters");
            }
            this.user = user;
            this.password = password;
            return this;
        }

        /** With TLS: PEM file of the CAs that signed the etcd server certificates ({@code null}: the JDK's trust store). */
        public Builder trustCertificates(Path pem) {
            this.trustCertificates = pem;
            return this;
        }

        /** With TLS: client certificate and PKCS#8 key (PEM) for mutual TLS; both or neither ({@code null}). */
        public Builder clientCertificate(Path certificate, Path key) {
            if ((certificate == null) != (key == null)) {
                throw new IllegalArgumentException("clientCertificate and clientKey go together: set both or neither");
            }
            this.clientCertificate = certificate;
            this.clientKey = key;
            return this;
        }

        /** With TLS: host name (with an optional {@code :port}) the server certificate must match, when it differs from the endpoints' hosts. */
        public Builder authority(String v) {
            if (v != null && (v.isEmpty() || v.length() > 255 || hasControlOrSpace(v)
                    || v.chars().anyMatch(c -> c == '/' || c == '@' || c == '?' || c == '#' || c > '~'))) {
                // it becomes the :authority of every request: no room for anything but host[:port]
                throw new IllegalArgumentException("authority must be a host name (with an optional :port), was '"
                        + Redaction.printable(v, 80) + "'");
            }
            this.authority = v;
            return this;
        }

        /** First part of every key: starts and ends with {@code /}, no whitespace or control characters. */
        public Builder keyPrefix(String v) {
            Objects.requireNonNull(v, "keyPrefix");
            if (!v.startsWith("/") || !v.endsWith("/") || hasControlOrSpace(v)) {
                throw new IllegalArgumentException("keyPrefix must start and end with '/' and contain no whitespace "
                        + "or control characters, was '" + Redaction.printable(v, 80) + "'");
            }
            this.keyPrefix = v;
            return this;
        }

        /** Second part of every key, or {@code null} for the runtime's app name: not blank, no {@code /}, whitespace or control characters. */
        public Builder appName(String v) {
            if (v != null && (v.isBlank() || v.contains("/") || hasControlOrSpace(v))) {
                throw new IllegalArgumentException("appName must be non-blank, without '/', whitespace or control "
                        + "characters, was '" + Redaction.printable(v, 80) + "'");
            }
            this.appName = v;
            return this;
        }

        /** TCP (and TLS) connect timeout per attempt: positive, at most 5 minutes. */
        public Builder connectTimeout(Duration v) {
            this.connectTimeout = Check.positive(v, Duration.ofMinutes(5), "connectTimeout");
            return this;
        }

        /** gRPC ping interval on an idle connection: 5 s to 2 hours. */
        public Builder keepAliveTime(Duration v) {
            Check.positive(v, Duration.ofHours(2), "keepAliveTime");
            this.keepAliveTime = Check.valid(v, v.compareTo(MIN_KEEPALIVE) >= 0, () -> "keepAliveTime must be at least "
                    + MIN_KEEPALIVE + " (etcd closes connections that ping more often) and at most PT2H, was " + v);
            return this;
        }

        /** How long a ping may stay unanswered: positive, at most 5 minutes. */
        public Builder keepAliveTimeout(Duration v) {
            this.keepAliveTimeout = Check.positive(v, Duration.ofMinutes(5), "keepAliveTimeout");
            return this;
        }

        /** How long start-up keeps trying to reach etcd and to read the config: 0 (return at once) to 1 hour. */
        public Builder startupTimeout(Duration v) {
            this.startupTimeout = Check.between(v, Duration.ZERO, Duration.ofHours(1), "startupTimeout",
                    () -> "startupTimeout must be between 0 and 1 hour, was " + v);
            return this;
        }

        /** Config to serve (as revision 0) if etcd cannot be read at start ({@code null}: start-up fails instead). */
        public Builder defaults(Map<String, String> v) {
            this.defaults = v == null ? null : Collections.unmodifiableMap(new TreeMap<>(Map.copyOf(v)));
            return this;
        }

        /** Silence after which the config watch asks for progress: 50 ms to 10 minutes. */
        public Builder watchProgressInterval(Duration v) {
            Check.positive(v, Duration.ofMinutes(10), "watchProgressInterval");
            this.watchProgressInterval = Check.valid(v, v.toMillis() >= 50,
                    () -> "watchProgressInterval must be at least 50 ms and at most PT10M, was " + v);
            return this;
        }

        /** How often the watch checks it has missed nothing (a keys-only read of the prefix): zero (off) or 100 ms to 1 hour. */
        public Builder watchVerifyInterval(Duration v) {
            Objects.requireNonNull(v, "watchVerifyInterval");
            // compared to the hour first: toMillis() of a huge duration would overflow
            this.watchVerifyInterval = Check.valid(v, v.isZero() || (v.compareTo(Duration.ofHours(1)) <= 0 && v.toMillis() >= 100),
                    () -> "watchVerifyInterval must be zero (off) or between 100 ms and 1 hour, was " + v);
            return this;
        }

        /** Longest pause between two failed re-reads of the config prefix: positive, at most 10 minutes. */
        public Builder maxRetryBackoff(Duration v) {
            this.maxRetryBackoff = Check.positive(v, Duration.ofMinutes(10), "maxRetryBackoff");
            return this;
        }

        /** Policy of the guard of every etcd call. */
        public Builder guardPolicy(GuardPolicy v) {
            this.guardPolicy = Objects.requireNonNull(v, "guardPolicy");
            return this;
        }

        /** Largest reply from etcd accepted, in bytes (1 MiB to 1 GiB); it bounds the size of one application's config. */
        public Builder maxInboundMessageSize(int bytes) {
            this.maxInboundMessageSize = Check.valid(bytes,
                    bytes >= MIN_INBOUND_MESSAGE_SIZE && bytes <= MAX_INBOUND_MESSAGE_SIZE, () -> "maxInboundMessageSize must be "
                    + "between " + MIN_INBOUND_MESSAGE_SIZE + " (1 MiB) and " + MAX_INBOUND_MESSAGE_SIZE + " (1 GiB) bytes, was " + bytes);
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException if TLS settings are given with {@code http://} endpoints
         */
        public EtcdOptions build() {
            if (!tls && (trustCertificates != null || clientCertificate != null || authority != null)) {
                throw new IllegalArgumentException("TLS settings given but the endpoints are http://; use https:// endpoints");
            }
            return new EtcdOptions(this);
        }
    }
}
