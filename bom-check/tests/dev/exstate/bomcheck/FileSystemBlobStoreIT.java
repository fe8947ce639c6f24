package dev.exstate.bomcheck;

import dev.exstate.blob.BlobStore;
import dev.exstate.filesystem.FileSystemBlobStore;
import dev.exstate.filesystem.FileSystemOptions;
import dev.exstate.testkit.contract.BlobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

/** The blob contract on this build's classpath; each replica is a store of its own on one directory. */
@DisplayName("blobs on a shared directory, with the BOM's versions")
class FileSystemBlobStoreIT extends BlobStoreContract {
    @TempDir
    Path root;

    @Override
    protected BlobStore newStore() {
        return FileSystemBlobStore.open(FileSystemOptions.builder(root).guardPolicy(Patience.POLICY).build());
    }
}
