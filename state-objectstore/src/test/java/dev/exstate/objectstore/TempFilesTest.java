package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.lease.JobContext;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.time.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Temporary files over the in-memory store, with time moved by a manual clock. */
@DisplayName("TempFiles")
class TempFilesTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final InMemoryBackend backend = InMemoryBackend.create(clock);
    private final BlobStore store = backend.blobStore();
    private final TempFiles temp = new TempFiles(store, clock);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("a file is readable by any replica until it expires, then reads as absent")
    void readableUntilExpiry() {
        BlobInfo file = temp.put("export.csv", utf8("a,b"), Duration.ofMinutes(10));
        TempFiles otherReplica = new TempFiles(backend.blobStore(), clock);

        assertThat(file.key()).startsWith(TempFiles.PREFIX).endsWith("/export.csv");
        assertThat(otherReplica.get(file.key()).orElseThrow().readAllBytes()).isEqualTo(utf8("a,b"));
        assertThat(otherReplica.stat(file.key()).orElseThrow().metadata())
                .containsEntry(TempFiles.EXPIRES_AT, "2030-01-01T00:10:00Z");

        clock.advance(Duration.ofMinutes(10));

        assertThat(otherReplica.get(file.key())).isEmpty();
        assertThat(otherReplica.stat(file.key())).isEmpty();
        assertThat(store.stat(file.key())).as("still stored until cleanup").isPresent();
    }

    @Test
    @DisplayName("two files with the same name get different keys")
    void sameNameDifferentKeys() {
        BlobInfo a = temp.put("upload.bin", utf8("a"), Duration.ofMinutes(1));
        BlobInfo b = temp.put("upload.bin", utf8("b"), Duration.ofMinutes(1));

        assertThat(a.key()).isNotEqualTo(b.key());
        assertThat(temp.get(a.key()).orElseThrow().readAllBytes()).isEqualTo(utf8("a"));
    }

    @Test
    @DisplayName("the expiry is in the key, so keys list in expiry order")
    void expiryInKey() {
        Instant at = Instant.parse("2030-05-06T07:08:09.123Z");
        String key = TempFiles.key("x/y", at);

        assertThat(key).isEqualTo("tmp/" + String.format("%013d", at.toEpochMilli()) + "/x/y");
        assertThat(TempFiles.expiresAt(key)).contains(at);
        assertThat(TempFiles.expiresAt("tmp/notdigits1/x")).isEmpty();
        assertThat(TempFiles.expiresAt("other/0000000000001/x")).isEmpty();
        assertThat(TempFiles.key("a", Instant.ofEpochMilli(5)).compareTo(TempFiles.key("a", Instant.ofEpochMilli(40)))).isNegative();
    }

    @Test
    @DisplayName("cleanup deletes exactly the expired files and leaves the rest and foreign keys alone")
    void cleanupDeletesExpired() {
        BlobInfo short1 = temp.put("s1", utf8("1"), Duration.ofMinutes(1));
        BlobInfo short2 = temp.put("s2", utf8("2"), Duration.ofMinutes(2));
        BlobInfo long1 = temp.put("l1", utf8("3"), Duration.ofHours(1));
        store.put("tmp/not-a-temp-file", utf8("foreign"));
        store.put("keep/me", utf8("x"));
        clock.advance(Duration.ofMinutes(5));

        int deleted = temp.cleanup();

        assertThat(deleted).isEqualTo(2);
        assertThat(store.stat(short1.key())).isEmpty();
        assertThat(store.stat(short2.key())).isEmpty();
        assertThat(store.stat(long1.key())).isPresent();
        assertThat(store.stat("tmp/not-a-temp-file")).isPresent();
        assertThat(store.stat("keep/me")).isPresent();
        assertThat(temp.cleanup()).as("nothing more to do").isZero();
    }

    @Test
    @DisplayName("cleanup pages through more expired files than one listing page holds")
    void cleanupPages() {
        for (int i = 0; i < 1005; i++) {
            temp.put("f" + i, new byte[0], Duration.ofSeconds(1));
        }
        clock.advance(Duration.ofSeconds(2));

        assertThat(temp.cleanup()).isEqualTo(1005);
        assertThat(store.list(TempFiles.PREFIX, null, 10).items()).isEmpty();
    }

    @Test
    @DisplayName("the cleanup job stops as soon as its lease is no longer valid")
    void jobStopsWhenLeaseLost() throws Exception {
        for (int i = 0; i < 10; i++) {
            temp.put("f" + i, new byte[0], Duration.ofSeconds(1));
        }
        clock.advance(Duration.ofSeconds(2));
        AtomicInteger checks = new AtomicInteger();
        JobContext losesLeaseAfterThree = new JobContext() {
            @Override
            public String jobName() {
                return "tmp-cleanup";
            }

            @Override
            public long tick() {
                return 1;
            }

            @Override
            public long fencingToken() {
                return 7;
            }

            @Override
            public boolean isLeaseValid() {
                return checks.incrementAndGet() <= 3;
            }
        };

        temp.cleanupJob().run(losesLeaseAfterThree);

        assertThat(store.list(TempFiles.PREFIX, null, 100).items()).hasSize(7);
    }

    @Test
    @DisplayName("bad arguments are rejected")
    void badArguments() {
        assertThatThrownBy(() -> temp.put("x", new byte[0], Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> temp.put("", new byte[0], Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> temp.put("../escape", new byte[0], Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(List.of(store.list("", null, 10).items().toArray())).isEmpty();
    }

    @Test
    @DisplayName("get, stat and delete refuse keys that put() did not issue; the blob behind them is untouched")
    void onlyIssuedKeys() {
        store.put("private/payroll.csv", utf8("salaries"));
        for (String key : List.of("private/payroll.csv", "tmp/0000000000001/not-a-uuid/x", "tmp/1/x", "",
                "tmp/0000000000001/00000000-0000-0000-0000-000000000000/x", // not a version 4 UUID
                "tmp/0000000000001/" + java.util.UUID.randomUUID().toString().toUpperCase() + "/x")) {
            assertThatThrownBy(() -> temp.get(key)).as(key).isInstanceOf(InvalidBlobKeyException.class);
            assertThatThrownBy(() -> temp.stat(key)).as(key).isInstanceOf(InvalidBlobKeyException.class);
            assertThatThrownBy(() -> temp.delete(key)).as(key).isInstanceOf(InvalidBlobKeyException.class);
        }
        assertThatThrownBy(() -> temp.get(null)).isInstanceOf(InvalidBlobKeyException.class);
        assertThat(store.stat("private/payroll.csv")).isPresent();
        BlobInfo issued = temp.put("a/b.txt", utf8("x"), Duration.ofMinutes(1));
        assertThat(TempFiles.isIssuedKey(issued.key())).isTrue();
        assertThat(temp.get(issued.key())).isPresent();
    }

    @Test
    @DisplayName("a TTL beyond MAX_TTL is IllegalArgumentException, never an arithmetic overflow")
    void ttlBounds() {
        for (Duration bad : List.of(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofDays(367), Duration.ZERO, Duration.ofMillis(-1),
                Duration.ofSeconds(Long.MIN_VALUE))) {
            assertThatThrownBy(() -> temp.put("f", utf8("x"), bad)).as(bad.toString()).isExactlyInstanceOf(IllegalArgumentException.class);
        }
        assertThat(temp.put("f", utf8("x"), TempFiles.MAX_TTL).key()).startsWith(TempFiles.PREFIX);
        assertThatThrownBy(() -> TempFiles.key("f", Instant.MAX)).isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TempFiles.key("f", Instant.MIN)).isExactlyInstanceOf(IllegalArgumentException.class);
    }
}
