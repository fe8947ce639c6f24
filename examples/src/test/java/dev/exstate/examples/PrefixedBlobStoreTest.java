package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.memory.InMemoryBackend;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a prefixed view of a blob store")
class PrefixedBlobStoreTest {
    private final BlobStore shared = InMemoryBackend.create().blobStore();
    private final BlobStore a = new PrefixedBlobStore(shared, "shop-a/");
    private final BlobStore b = new PrefixedBlobStore(shared, "shop-b/");

    @Test
    @DisplayName("keeps each view's blobs under its prefix, invisible to the other view, keys shown without the prefix")
    void viewsDoNotSeeEachOther() {
        a.put("f1", "one".getBytes(StandardCharsets.UTF_8));

        assertThat(shared.stat("shop-a/f1")).isPresent();
        assertThat(b.get("f1")).isEmpty();
        try (Blob blob = a.get("f1").orElseThrow()) {
            assertThat(blob.info().key()).isEqualTo("f1");
            assertThat(blob.readAllBytes()).asString(StandardCharsets.UTF_8).isEqualTo("one");
        }
        assertThat(a.list("", null, 10).items()).extracting(BlobInfo::key).containsExactly("f1");
        assertThat(b.list("", null, 10).items()).isEmpty();

        a.delete("f1");
        assertThat(shared.stat("shop-a/f1")).isEmpty();
    }

    @Test
    @DisplayName("refuses a key that would climb out of its prefix")
    void refusesDotDot() {
        assertThatThrownBy(() -> a.put("../shop-b/f1", new byte[] {1})).isInstanceOf(InvalidBlobKeyException.class);
        assertThat(shared.list("", null, 10).items()).isEmpty();
    }
}
