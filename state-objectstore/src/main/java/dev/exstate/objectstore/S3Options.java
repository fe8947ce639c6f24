package dev.exstate.objectstore;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.internal.Check;
import dev.exstate.internal.Redaction;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How an {@link S3BlobStore} reaches its bucket. Immutable and thread-safe; build with
 * {@link #builder()}, or change a copy with {@link #toBuilder()}. Everything is validated before
 * anything is sent.
 *
 * <p>Defaults: region {@code us-east-1}; anonymous requests; bucket not created automatically;
 * parts of 8 MiB with 2 in flight per upload (so one upload holds at most
 * {@code partSize x (partsInFlight + 1)} = 24 MiB of heap, whatever the object's size); connect
 * timeout 5 s; read timeout 30 s (the longest pause between two bytes of a streamed download); at
 * most 64 connections; 30 s for the first contact; the JVM's default trust store; and, when the
 * store builds its own guard, {@link #DEFAULT_GUARD_POLICY} named {@code s3}. The endpoint and the
 * bucket have no default.
 *
 * <p>Each builder setter checks its value at once and fails with
 * {@link IllegalArgumentException} (a bad bucket name with {@link InvalidBucketNameException}; a
 * {@code null} that is not allowed with {@link NullPointerException}) naming the setting, the
 * value and the allowed range. {@link Builder#build()} checks only that endpoint and bucket were
 * given and that {@code trustCertificates} comes with an {@code https} endpoint. A setting may be
 * set again; the last value wins.
 *
 * <p>The secret key is never shown: it has no accessor, is left out of {@link #equals},
 * {@link #hashCode()} and {@link #toString()} (options that differ only in their secret key are
 * equal), and never appears in an error. The access key id is kept out of {@code toString} too.
 */
public final class S3Options {

    /** Smallest part S3 accepts (except for the last part). */
    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    /** Largest part size this store buffers (parts are held in heap while they are sent). */
    public static final int MAX_PART_SIZE = 1024 * 1024 * 1024;
    /** Most parts one multipart upload may have (an S3 limit). */
    public static final int MAX_PARTS = 10_000;
    /** Default {@link #partSize()}: 8 MiB. */
    public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;
    /** Longest connect timeout accepted. */
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(5);
    /** Longest read timeout accepted (the longest pause between two bytes of a download). */
    public static final Duration MAX_READ_TIMEOUT = Duration.ofHours(1);
    /** Most concurrent requests ({@link #maxConnections()}); each may hold a thread. */
    private static final int MAX_CONNECTIONS = 1024;
    /** Longest start-up timeout accepted. */
    private static final Duration MAX_STARTUP_TIMEOUT = Duration.ofHours(1);
    private static final int MAX_PARTS_IN_FLIGHT = 16;

    /**
     * Guard policy used when the store builds its own guard: the guard's defaults, but 10 s per
     * attempt and 30 s in all, because one attempt may carry a whole part (8 MiB at 7 Mbit/s fits).
     * A shared guard (from {@link dev.exstate.runtime.StateContext#guard}) should allow the same.
     */
    public static final GuardPolicy DEFAULT_GUARD_POLICY = GuardPolicy.defaults().toBuilder()
            .timeout(Duration.ofSeconds(10))
            .totalTimeout(Duration.ofSeconds(30))
            .build();

    private static final String DEFAULT_REGION = "us-east-1";
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final URI endpoint;
    private final String region;
    private final String accessKey;
    private final String secretKey;
    private final String bucket;
    private final boolean autoCreateBucket;
    private final int partSize;
    private final int partsInFlight;
    private final GuardPolicy guardPolicy;
    private final String guardName;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxConnections;
    private final Duration startupTimeout;
    private final Path trustCertificates;

    private S3Options(Builder b) {
        this.endpoint = b.endpoint;
        this.region = b.region;
        this.accessKey = b.accessKey;
        this.secretKey = b.secretKey;
        this.bucket = b.bucket;
        this.autoCreateBucket = b.autoCreateBucket;
        this.partSize = b.partSize;
        this.partsInFlight = b.partsInFlight;
        this.guardPolicy = b.guardPolicy;
        this.guardName = b.guardName;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.maxConnections = b.maxConnections;
        this.startupTimeout = b.startupTimeout;
        this.trustCertificates = b.trustCertificates;
    }

    /** A builder starting from the defaults described above; endpoint and bucket must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options, credentials included. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.endpoint = endpoint;
        b.region = region;
        b.accessKey = accessKey;
        b.secretKey = secretKey;
        b.bucket = bucket;
        b.autoCreateBucket = autoCreateBucket;
        b.partSize = partSize;
        b.partsInFlight = partsInFlight;
        b.guardPolicy = guardPolicy;
        b.guardName = guardName;
        b.connectTimeout = connectTimeout;
        b.readTimeout = readTimeout;
        b.maxConnections = maxConnections;
        b.startupTimeout = startupTimeout;
        b.trustCertificates = trustCertificates;
        return b;
    }

    /**
     * {@code http(s)://host[:port]} of any S3-compatible service; {@code https} for TLS (the JVM's
     * default trust store decides which certificates are trusted, unless
     * {@link #trustCertificates()} is set).
     */
    public URI endpoint() {
        return endpoint;
    }

    /** Signing region (default {@code us-east-1}). */
    public String region() {
        return region;
    }

    /** Access key id, or {@code null} for anonymous requests; its secret key has no accessor. */
    public String accessKey() {
        return accessKey;
    }

    /** Whether requests are signed. */
    public boolean hasCredentials() {
        return accessKey != null;
    }

    /**
     * The secret key, or {@code null}: for {@link S3BlobStore} to hand to its client, and for
     * nothing else.
     */
    String secretKey() {
        return secretKey;
    }

    /** The bucket every key lives in. */
    public String bucket() {
        return bucket;
    }

    /** Whether the bucket is created on first use if it is missing (default false). */
    public boolean autoCreateBucket() {
        return autoCreateBucket;
    }

    /** Bytes per multipart part ({@link #MIN_PART_SIZE} to {@link #MAX_PART_SIZE}); objects up to this size are sent in one request. */
    public int partSize() {
        return partSize;
    }

    /** Parts of one upload sent concurrently (1 to 16, default 2). */
    public int partsInFlight() {
        return partsInFlight;
    }

    /**
     * Policy of the guard of every request (default {@link #DEFAULT_GUARD_POLICY}); under a
     * {@link dev.exstate.runtime.StateRuntime} it becomes the runtime's guard for
     * {@link #guardName()} unless the runtime sets one; setting both to different policies fails
     * the runtime's build.
     */
    public GuardPolicy guardPolicy() {
        return guardPolicy;
    }

    /** Backend name of that guard, as it appears in errors and metrics (default {@code s3}). */
    public String guardName() {
        return guardName;
    }

    /** TCP (and TLS) connect timeout, 1 ms to {@link #MAX_CONNECT_TIMEOUT} (default 5 s). */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Longest wait for the next bytes of a request or response, 1 ms to {@link #MAX_READ_TIMEOUT} (default 30 s). */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** Bound on concurrent HTTP requests and pooled connections, 1 to 1024 (default 64). */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * How long a store's first contact with S3 (made before its first request: a one-key listing
     * of the bucket) is retried with backoff, separate from the guard's per-call timeouts; zero
     * means one attempt, at most 1 hour (default 30 s). Refused credentials fail at once
     * ({@link BlobAccessDeniedException}).
     */
    public Duration startupTimeout() {
        return startupTimeout;
    }

    /**
     * With https: PEM file of the CA certificates to trust instead of the JVM's default trust
     * store (a private CA, e.g. an in-house MinIO), or {@code null}.
     */
    public Path trustCertificates() {
        return trustCertificates;
    }

    /**
     * The store's own part buffers per upload: {@code partSize x (partsInFlight + 1)}. The HTTP
     * client also copies each part it is sending, so one upload's heap peak is about
     * {@code partSize x (2 x partsInFlight + 1)} (40 MiB with the defaults), whatever the object size.
     */
    public long maxUploadBufferBytes() {
        return (long) partSize * (partsInFlight + 1);
    }

    /** Largest object one put can store: {@code partSize x 10,000}. */
    public long maxObjectSize() {
        return (long) partSize * MAX_PARTS;
    }

    /** Equal if every setting but the secret key is equal. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof S3Options s)) {
            return false;
        }
        return endpoint.equals(s.endpoint) && region.equals(s.region) && Objects.equals(accessKey, s.accessKey)
                && bucket.equals(s.bucket) && autoCreateBucket == s.autoCreateBucket && partSize == s.partSize
                && partsInFlight == s.partsInFlight && guardPolicy.equals(s.guardPolicy) && guardName.equals(s.guardName)
                && connectTimeout.equals(s.connectTimeout) && readTimeout.equals(s.readTimeout)
                && maxConnections == s.maxConnections && startupTimeout.equals(s.startupTimeout)
                && Objects.equals(trustCertificates, s.trustCertificates);
    }

    /** A hash of every setting but the secret key. */
    @Override
    public int hashCode() {
        return Objects.hash(endpoint, region, accessKey, bucket, autoCreateBucket, partSize, partsInFlight, guardPolicy,
                guardName, connectTimeout, readTimeout, maxConnections, startupTimeout, trustCertificates);
    }

    /** Shows the settings; of the credentials only whether there are any. */
    @Override
    public String toString() {
        return "S3Options[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", credentials=" + (hasCredentials() ? Redaction.MASK : "none") + ", autoCreateBucket=" + autoCreateBucket
                + ", partSize=" + partSize + ", partsInFlight=" + partsInFlight + ", guardName=" + guardName
                + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", maxConnections=" + maxConnections + ", startupTimeout=" + startupTimeout
                + (trustCertificates != null ? ", trustCertificates=" + trustCertificates : "")
                + ", guardPolicy=" + guardPolicy + "]";
    }

    /**
     * Checks {@code bucket} against the S3 naming rules.
     *
     * @throws InvalidBucketNameException saying which rule it breaks
     */
    public static String validateBucketName(String bucket) {
        if (bucket == null || bucket.isEmpty()) {
            throw new InvalidBucketNameException("S3 bucket name must not be empty");
        }
        if (bucket.length() < 3 || bucket.length() > 63) {
            throw new InvalidBucketNameException("S3 bucket name must be 3 to 63 characters long, '" + printable(bucket)
                    + "' has " + bucket.length());
        }
        if (!BUCKET.matcher(bucket).matches()) {
            throw new InvalidBucketNameException("S3 bucket name '" + printable(bucket) + "' may only contain lower-case letters,"
                    + " digits, '.' and '-', and must start and end with a letter or digit");
        }
        if (bucket.contains("..")) {
            throw new InvalidBucketNameException("S3 bucket name '" + bucket + "' must not contain '..'");
        }
        if (IPV4.matcher(bucket).matches()) {
            throw new InvalidBucketNameException("S3 bucket name '" + bucket + "' must not look like an IP address");
        }
        return bucket;
    }

    private static boolean isToken(String s, int maxLength) {
        if (s.isEmpty() || s.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : c);
        }
        return s.length() > 80 ? b + "..." : b.toString();
    }

    private static URI validateEndpoint(URI endpoint) {
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("S3 endpoint must be an http:// or https:// URL, was '" + endpoint.getScheme() + "://...'");
        }
        if (endpoint.getRawUserInfo() != null) {
            // never echo the URL: user info may hold a secret
            throw new IllegalArgumentException("S3 endpoint must not contain user info; pass credentials with S3Options.Builder.credentials");
        }
        if (endpoint.getHost() == null || endpoint.getHost().isBlank()) {
            // a registry-based authority (e.g. two '@') has no user info for URI, but may hold a password
            throw new IllegalArgumentException("S3 endpoint has no host: " + Redaction.url(endpoint.toString()));
        }
        String path = endpoint.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || endpoint.getRawQuery() != null) {
            throw new IllegalArgumentException("S3 endpoint must be scheme://host[:port] without path or query; put the bucket in S3Options.bucket, was "
                    + Redaction.url(endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() > 0 ? ":" + endpoint.getPort() : "") + path));
        }
        return URI.create(scheme + "://" + endpoint.getRawAuthority());
    }

    private static Duration requireBetween(Duration d, String name, Duration min, Duration max) {
        // the HTTP client counts in milliseconds: a larger value would overflow there
        return Check.between(d, min, max, name,
                () -> name + " must be between " + (min.isZero() ? "0" : min.toMillis() + " ms") + " and " + max + ", was " + d);
    }

    /**
     * Builder for {@link S3Options}. Each setter checks its value at once (see the class
     * comment); setting a value again replaces it. Not thread-safe.
     */
    public static final class Builder {
        private URI endpoint;
        private String region = DEFAULT_REGION;
        private String accessKey;
        private String secretKey;
        private String bucket;
        private boolean autoCreateBucket;
        private int partSize = DEFAULT_PART_SIZE;
        private int partsInFlight = 2;
        private GuardPolicy guardPolicy = DEFAULT_GUARD_POLICY;
        private String guardName = "s3";
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(30);
        private int maxConnections = 64;
        private Duration startupTimeout = Duration.ofSeconds(30);
        private Path trustCertificates;

        private Builder() {
        }

        /** The service: {@code http(s)://host[:port]}, without user info, path or query. */
        public Builder endpoint(URI v) {
            this.endpoint = validateEndpoint(Objects.requireNonNull(v, "endpoint"));
            return this;
        }

        /** Parses {@code v} as {@link #endpoint(URI)}; an invalid URL is reported without echoing it (it may hold a secret). */
        public Builder endpoint(String v) {
            Objects.requireNonNull(v, "endpoint");
            URI parsed;
            try {
                parsed = URI.create(v.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("S3 endpoint is not a valid URL", null);
            }
            return endpoint(parsed);
        }

        /** Signing region: 1 to 64 printable ASCII characters without spaces; {@code null} or blank means {@code us-east-1}. */
        public Builder region(String v) {
            String r = v == null || v.isBlank() ? DEFAULT_REGION : v;
            if (!isToken(r, 64)) {
                throw new IllegalArgumentException("S3 region must be 1 to 64 printable ASCII characters without spaces, was '"
                        + printable(r) + "'");
            }
            this.region = r;
            return this;
        }

        /**
         * Access key id and secret key, each 1 to 256 printable ASCII characters without spaces;
         * both {@code null} for anonymous requests. Kept out of every {@code toString}, log line and exception.
         */
        public Builder credentials(String accessKey, String secretKey) {
            if ((accessKey == null) != (secretKey == null)) {
                throw new IllegalArgumentException("S3 access key and secret key must be given together (or neither, for anonymous access)");
            }
            if (accessKey != null && (accessKey.isBlank() || secretKey.isBlank())) {
                throw new IllegalArgumentException("S3 access key and secret key must not be blank");
            }
            if (accessKey != null && (!isToken(accessKey, 256) || !isToken(secretKey, 256))) {
                // not echoed; both end up in a signed header, where a CR or LF would start a new one
                throw new IllegalArgumentException("S3 access key and secret key must be 1 to 256 printable ASCII characters without spaces");
            }
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            return this;
        }

        /**
         * The bucket every key lives in.
         *
         * @throws InvalidBucketNameException if the name breaks the S3 naming rules
         */
        public Builder bucket(String v) {
            this.bucket = validateBucketName(v);
            return this;
        }

        /** Create the bucket on first use if it is missing. */
        public Builder autoCreateBucket(boolean v) {
            this.autoCreateBucket = v;
            return this;
        }

        /** Bytes per multipart part: {@link #MIN_PART_SIZE} (5 MiB) to {@link #MAX_PART_SIZE} (1 GiB). */
        public Builder partSize(int v) {
            this.partSize = Check.valid(v, v >= MIN_PART_SIZE && v <= MAX_PART_SIZE,
                    () -> "partSize must be between " + MIN_PART_SIZE + " (5 MiB) and " + MAX_PART_SIZE + " (1 GiB) bytes, was " + v);
            return this;
        }

        /** Parts of one upload sent concurrently: 1 to 16. */
        public Builder partsInFlight(int v) {
            this.partsInFlight = Check.between(v, 1, MAX_PARTS_IN_FLIGHT, "partsInFlight");
            return this;
        }

        /** Policy of the guard of every request. */
        public Builder guardPolicy(GuardPolicy v) {
            this.guardPolicy = Objects.requireNonNull(v, "guardPolicy");
            return this;
        }

        /** Backend name of the guard, as it appears in errors and metrics: not blank. */
        public Builder guardName(String v) {
            Objects.requireNonNull(v, "guardName");
            this.guardName = Check.valid(v, !v.isBlank(), () -> "guardName must not be blank");
            return this;
        }

        /** TCP (and TLS) connect timeout: 1 ms to {@link #MAX_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration v) {
            this.connectTimeout = requireBetween(v, "connectTimeout", Duration.ofMillis(1), MAX_CONNECT_TIMEOUT);
            return this;
        }

        /** Longest wait for the next bytes of a request or response: 1 ms to {@link #MAX_READ_TIMEOUT}. */
        public Builder readTimeout(Duration v) {
            this.readTimeout = requireBetween(v, "readTimeout", Duration.ofMillis(1), MAX_READ_TIMEOUT);
            return this;
        }

        /** Bound on concurrent HTTP requests and pooled connections: 1 to 1024. */
        public Builder maxConnections(int v) {
            this.maxConnections = Check.between(v, 1, MAX_CONNECTIONS, "maxConnections");
            return this;
        }

        /** How long the first contact with S3 is retried: 0 (one attempt) to 1 hour. */
        public Builder startupTimeout(Duration v) {
            this.startupTimeout = requireBetween(v, "startupTimeout", Duration.ZERO, MAX_STARTUP_TIMEOUT);
            return this;
        }

        /** With https: trust the CA certificates in this PEM file instead of the JVM's default trust store ({@code null}: the default). */
        public Builder trustCertificates(Path pemFile) {
            this.trustCertificates = pemFile;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException if the endpoint is missing, or {@code trustCertificates}
         *                                  is set with an {@code http} endpoint
         * @throws InvalidBucketNameException if the bucket is missing
         */
        public S3Options build() {
            if (endpoint == null) {
                throw new IllegalArgumentException("S3 endpoint must be given, e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000");
            }
            validateBucketName(bucket);
            if (trustCertificates != null && !endpoint.getScheme().equals("https")) {
                throw new IllegalArgumentException("trustCertificates is set but the S3 endpoint is http://; use https://");
            }
            return new S3Options(this);
        }
    }
}
