package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStats;
import dev.exstate.blob.PutOptions;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link S3BlobStore#stats()}: the bytes that really went up and came back, against s3proxy. */
@DisplayName("S3BlobStore.stats()")
class S3BlobStatsIT {

    @Test
    @DisplayName("counts successful single-part, multipart and content-addressed puts, and the bytes callers read")
    void countsTransferredBytes() throws Exception {
        try (S3TestEndpoint s3 = S3TestEndpoint.start();
             S3BlobStore store = S3BlobStore.connect(s3.newBucket().partSize(S3Options.MIN_PART_SIZE).build())) {
            byte[] small = "hello, s3".getBytes(StandardCharsets.UTF_8);
            byte[] large = new byte[S3Options.MIN_PART_SIZE + 1024]; // two parts
            store.put("small.txt", small);
            store.put("large.bin", new ByteArrayInputStream(large), large.length, PutOptions.defaults());
            assertThatThrownBy(() -> store.put("small.txt", small, PutOptions.ifAbsent()))
                    .isInstanceOf(BlobPreconditionFailedException.class);
            store.putContentAddressed(new ByteArrayInputStream(small), small.length);
            store.putContentAddressed(new ByteArrayInputStream(small), small.length); // exists: nothing sent
            long uploaded = small.length + (long) large.length + small.length;
            assertThat(store.stats()).contains(new BlobStats(uploaded, 0));

            try (Blob blob = store.get("small.txt").orElseThrow()) {
                assertThat(blob.readAllBytes()).isEqualTo(small);
            }
            try (Blob part = store.get("large.bin", BlobRange.of(10, 100)).orElseThrow()) {
                assertThat(part.readAllBytes()).hasSize(100);
            }

            assertThat(store.stats()).contains(new BlobStats(uploaded, small.length + 100));
        }
    }
}
