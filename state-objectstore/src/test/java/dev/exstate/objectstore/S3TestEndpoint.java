package dev.exstate.objectstore;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.testkit.s3.S3ProxyServer;
import dev.exstate.testkit.tls.TestCertificates;
import io.minio.MinioAsyncClient;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The S3 endpoint the integration tests run against: s3proxy in this JVM by default, or a real
 * S3-compatible service (e.g. MinIO) when {@code EXSTATE_S3_ENDPOINT}, {@code EXSTATE_S3_ACCESS_KEY}
 * and {@code EXSTATE_S3_SECRET_KEY} are set. Each test class works in buckets of its own.
 */
final class S3TestEndpoint implements AutoCloseable {
    static final GuardPolicy TEST_POLICY = S3Options.DEFAULT_GUARD_POLICY;

    private final S3ProxyServer server;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final TestCertificates certs;

    private S3TestEndpoint(S3ProxyServer server, URI endpoint, String accessKey, String secretKey, TestCertificates certs) {
        this.server = server;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.certs = certs;
    }

    /** The external endpoint if configured, else s3proxy with a transient (heap) backend. */
    static S3TestEndpoint start() {
        String external = System.getenv("EXSTATE_S3_ENDPOINT");
        if (external != null && !external.isBlank()) {
            return new S3TestEndpoint(null, URI.create(external), System.getenv("EXSTATE_S3_ACCESS_KEY"),
                    System.getenv("EXSTATE_S3_SECRET_KEY"), null);
        }
        return of(S3ProxyServer.builder().build().start());
    }

    /** Always s3proxy, here with a filesystem backend (objects on disk, not in the heap). */
    static S3TestEndpoint startFilesystem() {
        return of(S3ProxyServer.builder().filesystemBackend().build().start());
    }

    /** An endpoint for this in-process server. */
    static S3TestEndpoint of(S3ProxyServer server) {
        return new S3TestEndpoint(server, server.endpoint(), server.accessKey(), server.secretKey(), null);
    }

    /** s3proxy serving https only, with a certificate of a private CA ({@link #certs()}), deleted on close. */
    static S3TestEndpoint https() {
        TestCertificates certs = TestCertificates.create();
        try {
            S3ProxyServer server = S3ProxyServer.builder().tls(certs).build().start();
            return new S3TestEndpoint(server, server.endpoint(), server.accessKey(), server.secretKey(), certs);
        } catch (RuntimeException e) {
            certs.close();
            throw e;
        }
    }

    /** The private CA and certificates of an {@link #https()} endpoint, else null. */
    TestCertificates certs() {
        return certs;
    }

    /** The in-process server, or null when the tests run against an external endpoint. */
    S3ProxyServer server() {
        return server;
    }

    URI endpoint() {
        return endpoint;
    }

    String accessKey() {
        return accessKey;
    }

    String secretKey() {
        return secretKey;
    }

    /** A bucket that does not exist yet. */
    static String freshBucketName() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return "exstate-it-" + HexFormat.of().formatHex(b);
    }

    /** Options for a new, existing bucket of its own. */
    S3Options.Builder newBucket() {
        return options(createBucket(freshBucketName()));
    }

    String createBucket(String bucket) {
        if (server != null) {
            server.createBucket(bucket);
        } else {
            try (S3BlobStore s = S3BlobStore.connect(options(bucket).autoCreateBucket(true).build())) {
                s.stat("probe");
            }
        }
        return bucket;
    }

    S3Options.Builder options(String bucket) {
        return S3Options.builder()
                .endpoint(endpoint)
                .credentials(accessKey, secretKey)
                .bucket(bucket)
                .guardPolicy(TEST_POLICY)
                .readTimeout(Duration.ofSeconds(30));
    }

    /** A plain MinIO client, to look at the bucket behind the store's back. */
    MinioAsyncClient raw() {
        return MinioAsyncClient.builder().endpoint(endpoint.toString()).region("us-east-1")
                .credentials(accessKey, secretKey).build();
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (certs != null) {
                certs.close();
            }
        }
    }
}
