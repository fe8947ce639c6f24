package dev.exstate.objectstore;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link S3BlobStore} passes the blob store contract against s3proxy in this JVM, or against a real
 * S3 service when {@code EXSTATE_S3_ENDPOINT} (and {@code EXSTATE_S3_ACCESS_KEY},
 * {@code EXSTATE_S3_SECRET_KEY}) are set.
 */
@DisplayName("S3BlobStore (contract)")
class S3BlobStoreContractIT extends S3BlobContract {
    @RegisterExtension
    static final S3Fixture s3 = S3Fixture.endpoint();
}
