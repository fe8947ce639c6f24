package dev.exstate.objectstore;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.internal.Redaction;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How an {@link S3BlobStore} reaches its bucket. Immutable; build with {@link #builder()}, which
 * validates everything before anything is sent. Credentials never appear in {@link #toString()}.
 *
 * <p>Defaults: region {@code us-east-1}; bucket not created automatically; parts of 8 MiB with
 * 2 in flight per upload (so one upload holds at most {@code partSize x (partsInFlight + 1)} =
 * 24 MiB of heap, whatever the object's size); connect timeout 5 s; read timeout 30 s (the
 * longest pause between two bytes of a streamed download); at most 64 connections; 30 s for the
 * first contact; and, when the store builds its own guard, {@link #DEFAULT_GUARD_POLICY}.
 *
 * @param endpoint         {@code http(s)://host[:port]} of any S3-compatible service; {@code https} for TLS
 *                         (the JVM's default trust store decides which certificates are trusted,
 *                         unless {@code trustCertificates} is set)
 * @param region           signing region
 * @param accessKey        access key id, or {@code null} for anonymous requests
 * @param secretKey        secret key, or {@code null} for anonymous requests
 * @param bucket           the bucket every key lives in
 * @param autoCreateBucket create the bucket on first use if it is missing
 * @param partSize         bytes per multipart part (5 MiB to 1 GiB); objects up to this size are sent in one request
 * @param partsInFlight    parts of one upload sent concurrently (1 to 16)
 * @param guardPolicy      policy of the guard of every request (default {@link #DEFAULT_GUARD_POLICY});
 *                         under a {@link dev.exstate.runtime.StateRuntime} it becomes the runtime's
 *                         guard for {@code guardName} unless the runtime sets one; setting both to
 *                         different policies fails the runtime's build
 * @param guardName        backend name of that guard, as it appears in errors and metrics
 * @param connectTimeout   TCP (and TLS) connect timeout, 1 ms to 5 minutes
 * @param readTimeout      longest wait for the next bytes of a request or response, 1 ms to 1 hour
 * @param maxConnections   bound on concurrent HTTP requests and pooled connections
 * @param startupTimeout   how long a store's first contact with S3 (made before its first request:
 *                         a one-key listing of the bucket) is retried with backoff, separate from
 *                         the guard's per-call timeouts; zero means one attempt. Refused
 *                         credentials fail at once ({@link BlobAccessDeniedException})
 * @param trustCertificates with https: PEM file of the CA certificates to trust instead of the
 *                         JVM's default trust store (a private CA, e.g. an in-house MinIO), or {@code null}
 */
public record S3Options(URI endpoint, String region, String accessKey, String secretKey, String bucket,
                        boolean autoCreateBucket, int partSize, int partsInFlight, GuardPolicy guardPolicy,
                        String guardName, Duration connectTimeout, Duration readTimeout, int maxConnections,
                        Duration startupTimeout, Path trustCertificates) {

    /** Smallest part S3 accepts (except for the last part). */
    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    /** Largest part size this store buffers (parts are held in heap while they are sent). */
    public static final int MAX_PART_SIZE = 1024 * 1024 * 1024;
    /** Most parts one multipart upload may have (an S3 limit). */
    public static final int MAX_PARTS = 10_000;
    public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;
    /** Longest connect timeout accepted. */
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(5);
    /** Longest read timeout accepted (the longest pause between two bytes of a download). */
    public static final Duration MAX_READ_TIMEOUT = Duration.ofHours(1);

    /**
     * Guard policy used when the store builds its own guard: the guard's defaults, but 10 s per
     * attempt and 30 s in all, because one attempt may carry a whole part (8 MiB at 7 Mbit/s fits).
     * A shared guard (from {@link dev.exstate.runtime.StateContext#guard}) should allow the same.
     */
    public static final GuardPolicy DEFAULT_GUARD_POLICY = GuardPolicy.defaults().toBuilder()
            .timeout(Duration.ofSeconds(10))
            .totalTimeout(Duration.ofSeconds(30))
            .build();

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    public S3Options {
        endpoint = validateEndpoint(endpoint);
        region = region == null || region.isBlank() ? "us-east-1" : region;
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
        if (!isToken(region, 64)) {
            throw new IllegalArgumentException("S3 region must be 1 to 64 printable ASCII characters without spaces, was '"
                    + printable(region) + "'");
        }
        validateBucketName(bucket);
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("partSize must be between " + MIN_PART_SIZE + " (5 MiB) and "
                    + MAX_PART_SIZE + " (1 GiB) bytes, was " + partSize);
        }
        if (partsInFlight < 1 || partsInFlight > 16) {
            throw new IllegalArgumentException("partsInFlight must be between 1 and 16, was " + partsInFlight);
        }
        Objects.requireNonNull(guardPolicy, "guardPolicy");
        if (guardName == null || guardName.isBlank()) {
            throw new IllegalArgumentException("guardName must not be blank");
        }
        requireBetween(connectTimeout, "connectTimeout", MAX_CONNECT_TIMEOUT);
        requireBetween(readTimeout, "readTimeout", MAX_READ_TIMEOUT);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, was " + maxConnections);
        }
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        if (startupTimeout.isNegative()) {
            throw new IllegalArgumentException("startupTimeout must not be negative, was " + startupTimeout);
        }
        if (trustCertificates != null && !endpoint.getScheme().equals("https")) {
            throw new IllegalArgumentException("trustCertificates is set but the S3 endpoint is http://; use https://");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder()
                .endpoint(endpoint).region(region).bucket(bucket).autoCreateBucket(autoCreateBucket)
                .partSize(partSize).partsInFlight(partsInFlight).guardPolicy(guardPolicy).guardName(guardName)
                .connectTimeout(connectTimeout).readTimeout(readTimeout).maxConnections(maxConnections)
                .startupTimeout(startupTimeout)
                .trustCertificates(trustCertificates);
        b.accessKey = accessKey;
        b.secretKey = secretKey;
        return b;
    }

    /** Whether requests are signed. */
    public boolean hasCredentials() {
        return accessKey != null;
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

    @Override
    public String toString() {
        return "S3Options[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", credentials=" + (hasCredentials() ? "****" : "none") + ", autoCreateBucket=" + autoCreateBucket
                + ", partSize=" + partSize + ", partsInFlight=" + partsInFlight + ", guardName=" + guardName
                + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", maxConnections=" + maxConnections + ", startupTimeout=" + startupTimeout
                + (trustCertificates != null ? ", trustCertificates=" + trustCertificates : "") + "]";
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
        if (endpoint == null) {
            throw new IllegalArgumentException("S3 endpoint must be given, e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000");
        }
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

    private static void requireBetween(Duration d, String name, Duration max) {
        Objects.requireNonNull(d, name);
        // the HTTP client counts in milliseconds: a larger value would overflow there
        if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be between 1 ms and " + max + ", was " + d);
        }
    }

    /** Builder for {@link S3Options}; {@link #build()} validates. */
    public static final class Builder {
        private URI endpoint;
        private String region = "us-east-1";
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

        public Builder endpoint(URI v) { this.endpoint = v; return this; }

        /** Parses {@code v}; an invalid URL is reported without echoing it (it may hold a secret). */
        public Builder endpoint(String v) {
            try {
                this.endpoint = v == null ? null : URI.create(v.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("S3 endpoint is not a valid URL", null);
            }
            return this;
        }

        public Builder region(String v) { this.region = v; return this; }

        /** Access key id and secret key; kept out of every {@code toString}, log line and exception. */
        public Builder credentials(String accessKey, String secretKey) {
            this.accessKey = accessKey;
            this.secretKey = secretKey;
            return this;
        }

        public Builder bucket(String v) { this.bucket = v; return this; }

        public Builder autoCreateBucket(boolean v) { this.autoCreateBucket = v; return this; }

        public Builder partSize(int v) { this.partSize = v; return this; }

        public Builder partsInFlight(int v) { this.partsInFlight = v; return this; }

        public Builder guardPolicy(GuardPolicy v) { this.guardPolicy = v; return this; }

        public Builder guardName(String v) { this.guardName = v; return this; }

        public Builder connectTimeout(Duration v) { this.connectTimeout = v; return this; }

        public Builder readTimeout(Duration v) { this.readTimeout = v; return this; }

        public Builder maxConnections(int v) { this.maxConnections = v; return this; }

        /** How long the first contact with S3 is retried (default 30 s; zero: one attempt). */
        public Builder startupTimeout(Duration v) { this.startupTimeout = v; return this; }

        /** With https: trust the CA certificates in this PEM file instead of the JVM's default trust store. */
        public Builder trustCertificates(Path pemFile) { this.trustCertificates = pemFile; return this; }

        public S3Options build() {
            return new S3Options(endpoint, region, accessKey, secretKey, bucket, autoCreateBucket, partSize,
                    partsInFlight, guardPolicy, guardName, connectTimeout, readTimeout, maxConnections, startupTimeout,
                    trustCertificates);
        }
    }
}
