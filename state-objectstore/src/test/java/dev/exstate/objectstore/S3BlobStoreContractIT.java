package dev.exstate.objectstore;

import dev.exstate.blob.BlobStore;
import dev.exstate.testkit.contract.BlobStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * {@link S3BlobStore} passes the blob store contract against s3proxy in this JVM, or against a real
 * S3 service when {@code EXSTATE_S3_ENDPOINT} (and {@code EXSTATE_S3_ACCESS_KEY},
 * {@code EXSTATE_S3_SECRET_KEY}) are set. Every replica is its own store with its own HTTP client
 * and guard, over one bucket.
 */
@DisplayName("S3BlobStore (contract)")
class S3BlobStoreContractIT extends BlobStoreContract {
    private static S3TestEndpoint s3;
    private static S3Options options;

    @BeforeAll
    static void startS3() {
        s3 = S3TestEndpoint.start();
        options = s3.newBucket().build();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Override
    protected BlobStore newStore() {
        return S3BlobStore.connect(options);
    }
}
