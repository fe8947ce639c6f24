package dev.exstate.objectstore;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link S3BlobStore} passes the blob store contract over https, against s3proxy serving a
 * certificate of a private CA that the store trusts through {@link S3Options#trustCertificates()}.
 */
@DisplayName("S3BlobStore over https with a private CA (contract)")
class S3HttpsBlobStoreContractIT extends S3BlobContract {
    @RegisterExtension
    static final S3Fixture s3 = S3Fixture.https();
}
