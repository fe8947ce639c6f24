package dev.exstate.objectstore;

import dev.exstate.testkit.BackendFixture;
import io.minio.MinioAsyncClient;
import java.util.function.Supplier;

/**
 * The S3 endpoint of an integration test class (see {@link BackendFixture} and
 * {@link S3TestEndpoint}), shared by its tests; the stores a test opens through {@link #store}
 * are closed after it.
 */
final class S3Fixture extends BackendFixture<S3TestEndpoint> {
    private MinioAsyncClient raw;
    private S3Options classBucket;

    private S3Fixture(Supplier<S3TestEndpoint> start) {
        super("s3", start);
    }

    /** {@link S3TestEndpoint#start()}: s3proxy in this JVM, or the external endpoint if one is configured. */
    static S3Fixture endpoint() {
        return new S3Fixture(S3TestEndpoint::start);
    }

    /** {@link S3TestEndpoint#https()}: s3proxy serving https with a certificate of a private CA. */
    static S3Fixture https() {
        return new S3Fixture(S3TestEndpoint::https);
    }

    /** A plain MinIO client of the endpoint, opened at first use, to look at buckets behind the stores' back. */
    MinioAsyncClient raw() {
        if (raw == null) {
            raw = backend().raw();
        }
        return raw;
    }

    /**
     * Options of a bucket of the class's own, created at first use, trusting the private CA of an
     * https endpoint: every replica of a contract suite works in it.
     */
    S3Options classBucket() {
        if (classBucket == null) {
            S3Options.Builder options = backend().newBucket();
            if (backend().certs() != null) {
                options.trustCertificates(backend().certs().caCertificate());
            }
            classBucket = options.build();
        }
        return classBucket;
    }

    /** A store with {@code options}, closed after the test. */
    S3BlobStore store(S3Options options) {
        return closeAfter(S3BlobStore.connect(options));
    }

    @Override
    protected void afterAllTests() {
        classBucket = null;
        if (raw != null) {
            try {
                raw.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the raw MinIO client failed", e);
            } finally {
                raw = null;
            }
        }
    }
}
