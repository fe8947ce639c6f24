package dev.exstate.memory;

import dev.exstate.blob.BlobStore;
import dev.exstate.testkit.contract.BlobStoreContract;
import dev.exstate.time.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/** The in-memory blob store passes the blob store contract. */
@DisplayName("in-memory BlobStore")
class MemoryBlobStoreContractTest extends BlobStoreContract {
    private InMemoryBackend backend;

    @BeforeEach
    void freshBackend() {
        backend = InMemoryBackend.create(new ManualClock());
    }

    @Override
    protected BlobStore newStore() {
        return backend.blobStore();
    }
}
