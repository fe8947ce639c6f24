package dev.exstate.filesystem;

import dev.exstate.blob.BlobStore;
import dev.exstate.testkit.contract.BlobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

/** Every replica is a store of its own on one directory, as replicas mounting one volume are. */
@DisplayName("FileSystemBlobStore passes the BlobStore contract")
class FileSystemBlobStoreContractTest extends BlobStoreContract {
    @TempDir
    Path root;

    @Override
    protected BlobStore newStore() {
        return FileSystemBlobStore.open(FileSystemOptions.builder(root).bufferSize(16 * 1024).build());
    }
}
