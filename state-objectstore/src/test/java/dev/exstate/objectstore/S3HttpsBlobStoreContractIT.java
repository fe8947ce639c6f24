package dev.exstate.objectstore;

import dev.exstate.blob.BlobStore;
import dev.exstate.testkit.contract.BlobStoreContract;
import dev.exstate.testkit.s3.S3ProxyServer;
import dev.exstate.testkit.tls.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * {@link S3BlobStore} passes the blob store contract over https, against s3proxy serving a
 * certificate of a private CA that the store trusts through {@link S3Options#trustCertificates()}.
 */
@DisplayName("S3BlobStore over https with a private CA (contract)")
class S3HttpsBlobStoreContractIT extends BlobStoreContract {
    private static TestCertificates certs;
    private static S3TestEndpoint s3;
    private static S3Options options;

    @BeforeAll
    static void startS3() {
        certs = TestCertificates.create();
        s3 = S3TestEndpoint.of(S3ProxyServer.builder().tls(certs).build().start());
        options = s3.newBucket().trustCertificates(certs.caCertificate()).build();
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
        if (certs != null) {
            certs.close();
        }
    }

    @Override
    protected BlobStore newStore() {
        return S3BlobStore.connect(options);
    }
}
