package dev.exstate.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.PutOptions;
import dev.exstate.runtime.StateRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example of state-filesystem/README.md, run as written (the mount point is a temporary directory). */
class FileSystemReadmeExampleTest {
    @TempDir
    Path mount;

    @Test
    @DisplayName("the README example stores a blob through the runtime and standalone")
    void readmeExample() {
        byte[] csvBytes = "id,total\n1,10\n".getBytes(StandardCharsets.UTF_8);
        byte[] newCsvBytes = "id,total\n1,12\n".getBytes(StandardCharsets.UTF_8);

        FileSystemOptions options = FileSystemOptions.builder(mount)
                .staleLockTimeout(Duration.ofSeconds(30))
                .build();

        try (StateRuntime runtime = StateRuntime.builder("orders")
                .blobs(FileSystemBlobStore.blobs(options))
                .build()) {
            runtime.blobs().put("hello", "from the runtime".getBytes(StandardCharsets.UTF_8));
        }

        try (FileSystemBlobStore blobs = FileSystemBlobStore.open(options)) {
            BlobInfo v1 = blobs.put("exports/2026-11.csv", csvBytes, PutOptions.ifAbsent());
            blobs.put("exports/2026-11.csv", newCsvBytes, PutOptions.ifMatch(v1.etag()));

            assertThat(blobs.get("exports/2026-11.csv").orElseThrow().readAllBytes()).isEqualTo(newCsvBytes);
            assertThat(blobs.stat("hello")).isPresent();
        }
    }
}
