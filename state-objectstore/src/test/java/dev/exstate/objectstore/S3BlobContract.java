package dev.exstate.objectstore;

import dev.exstate.blob.BlobStore;
import dev.exstate.testkit.contract.BlobStoreContract;
import org.junit.jupiter.api.BeforeEach;

/**
 * The blob store contract on the endpoint of an {@link S3Fixture}; each subclass registers the
 * fixture of one setup, which JUnit hands in. Every replica is its own store with its own HTTP
 * client and guard, over the class's bucket.
 */
abstract class S3BlobContract extends BlobStoreContract {
    private S3Fixture s3;

    @BeforeEach
    void fixture(S3Fixture registered) {
        s3 = registered;
    }

    @Override
    protected BlobStore newStore() {
        return S3BlobStore.connect(s3.classBucket());
    }
}
