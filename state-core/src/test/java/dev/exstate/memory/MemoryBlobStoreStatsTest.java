package dev.exstate.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStats;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.time.ManualClock;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("BlobStore.stats() of the in-memory store")
class MemoryBlobStoreStatsTest {

    @Test
    @DisplayName("counts the bytes of successful puts and the bytes callers read, each byte once")
    void countsTransferredBytes() throws Exception {
        BlobStore store = InMemoryBackend.create(new ManualClock()).blobStore();
        assertThat(store.stats()).contains(new BlobStats(0, 0));

        store.put("a.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.put("a.txt", "other".getBytes(StandardCharsets.UTF_8), PutOptions.ifAbsent()))
                .isInstanceOf(BlobPreconditionFailedException.class);
        assertThat(store.stats().orElseThrow().bytesUploaded()).isEqualTo(5);

        try (Blob blob = store.get("a.txt").orElseThrow()) {
            InputStream in = blob.content();
            in.mark(16);
            assertThat(in.read()).isEqualTo('h');
            assertThat(in.readNBytes(2)).hasSize(2);
            in.reset(); // re-reading is not a second transfer
            assertThat(in.readAllBytes()).hasSize(5);
        }
        try (Blob part = store.get("a.txt", BlobRange.of(1, 2)).orElseThrow()) {
            assertThat(part.readAllBytes()).hasSize(2);
        }
        store.get("a.txt").orElseThrow().close(); // opened, never read: nothing downloaded

        assertThat(store.stats()).contains(new BlobStats(5, 7));
    }
}
