package dev.exstate.bomcheck;

import dev.exstate.blob.BlobStore;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.testkit.contract.BlobStoreContract;
import dev.exstate.testkit.s3.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The blob contract on this build's classpath (MinIO client, OkHttp, Kotlin stdlib, Jackson at the
 * versions the imported BOMs chose) against s3proxy served in this JVM on a loopback port.
 */
@DisplayName("blobs on S3, with the BOM's versions")
class S3BlobStoreIT extends BlobStoreContract {
    private static S3ProxyServer s3;
    private static S3Options options;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.builder().build().start();
        s3.createBucket("exstate-bom-check");
        options = S3Options.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .bucket("exstate-bom-check")
                .guardPolicy(Patience.POLICY)
                .build();
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
