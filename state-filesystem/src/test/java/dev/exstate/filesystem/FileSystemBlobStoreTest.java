package dev.exstate.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.StateDataException;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.time.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the file-system store adds to the contract: publish, locks, leftovers, layout and errors, in one JVM. */
@DisplayName("FileSystemBlobStore")
class FileSystemBlobStoreTest {
    @TempDir
    Path root;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(FileSystemBlobStore store, String key) {
        try (Blob blob = store.get(key).orElseThrow()) {
            return new String(blob.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private FileSystemBlobStore open(FileSystemOptions.Builder b) {
        return FileSystemBlobStore.open(b.build());
    }

    @Nested
    @DisplayName("atomic publish")
    class Publish {

        @Test
        @DisplayName("a reader reading while two writers overwrite always gets one writer's whole blob")
        void readersNeverSeePartialBlobs() throws Exception {
            ExecutorService threads = Executors.newFixedThreadPool(3);
            try (FileSystemBlobStore a = FileSystemBlobStore.open(root); FileSystemBlobStore b = FileSystemBlobStore.open(root)) {
                a.put("k", FileSystemBlobReplica.selfDescribing("seed", 0, 3000));
                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicInteger reads = new AtomicInteger();
                AtomicInteger broken = new AtomicInteger();
                CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                    while (writing.get()) {
                        try (Blob blob = b.get("k").orElseThrow()) {
                            byte[] content = blob.readAllBytes();
                            reads.incrementAndGet();
                            if (!FileSystemBlobReplica.whole(content) || content.length != blob.info().size()) {
                                broken.incrementAndGet();
                            }
                        }
                    }
                }, threads);
                CompletableFuture<?> w0 = CompletableFuture.runAsync(() -> writeMany(a, "w0"), threads);
                CompletableFuture<?> w1 = CompletableFuture.runAsync(() -> writeMany(b, "w1"), threads);
                CompletableFuture.allOf(w0, w1).get();
                await().atMost(Duration.ofMinutes(1)).until(() -> reads.get() > 0);
                writing.set(false);
                reader.get();

                assertThat(broken.get()).isZero();
                assertThat(FileSystemBlobReplica.whole(a.get("k").orElseThrow().readAllBytes())).isTrue();
            } finally {
                threads.shutdownNow();
            }
        }

        private void writeMany(FileSystemBlobStore store, String tag) {
            for (int i = 0; i < 60; i++) {
                store.put("k", FileSystemBlobReplica.selfDescribing(tag, i, 500 + (i * 7919) % 200_000));
            }
        }

        @Test
        @DisplayName("an open blob keeps reading the version it opened while the key is overwritten and deleted")
        void openBlobReadsItsVersion() {
            try (FileSystemBlobStore store = open(FileSystemOptions.builder(root).bufferSize(4096))) {
                byte[] first = FileSystemBlobReplica.selfDescribing("first", 1, 100_000);
                store.put("k", first);
                try (Blob blob = store.get("k").orElseThrow()) {
                    store.put("k", utf8("second"));
                    store.delete("k");
                    assertThat(blob.readAllBytes()).isEqualTo(first);
                }
                assertThat(store.get("k")).isEmpty();
            }
        }

        @Test
        @DisplayName("content and metadata live in one file under blobs/, with nothing left in tmp/")
        void layout() throws IOException {
            try (FileSystemBlobStore store = FileSystemBlobStore.open(root)) {
                store.put("Docs/Report 1.txt", utf8("x"), PutOptions.defaults().withMetadata(Map.of("Owner", "a")));
                store.put("Docs", utf8("a key that is also a directory's prefix"));

                assertThat(root.resolve("blobs/%44ocs.d/%52eport%201.txt.b")).isRegularFile();
                assertThat(root.resolve("blobs/%44ocs.b")).isRegularFile();
                try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
                    assertThat(tmp.toList()).isEmpty();
                }
                assertThat(store.stat("Docs/Report 1.txt").orElseThrow().metadata()).isEqualTo(Map.of("owner", "a"));
                assertThat(store.list("Docs", null, 10).items()).extracting(BlobInfo::key).containsExactly("Docs", "Docs/Report 1.txt");
            }
        }

        @Test
        @DisplayName("keys differing only in case, and segments too long for a file name, are distinct blobs")
        void caseAndLongSegments() {
            String longSegment = "Ж".repeat(300);
            try (FileSystemBlobStore store = FileSystemBlobStore.open(root)) {
                store.put("a/B", utf8("upper"));
                store.put("a/b", utf8("lower"));
                store.put(longSegment + "/x", utf8("under a long directory"));
                store.put("y/" + longSegment, utf8("a long file name"));

                assertThat(text(store, "a/B")).isEqualTo("upper");
                assertThat(text(store, "a/b")).isEqualTo("lower");
                assertThat(text(store, longSegment + "/x")).isEqualTo("under a long directory");
                assertThat(store.list("", null, 10).items()).extracting(BlobInfo::key)
                        .containsExactly("a/B", "a/b", "y/" + longSegment, longSegment + "/x");
                assertThat(store.list("y/Ж", null, 10).items()).extracting(BlobInfo::key).containsExactly("y/" + longSegment);
            }
        }
    }

    @Nested
    @DisplayName("locks")
    class Locks {
        private final ManualClock clock = new ManualClock(Instant.now());

        /** A store on the manual clock holding "old" under key k. */
        private FileSystemBlobStore storeWithLocks(Duration stale, Duration wait) {
            FileSystemBlobStore store = open(FileSystemOptions.builder(root).clock(clock).staleLockTimeout(stale).lockWaitTimeout(wait));
            store.put("k", utf8("old"));
            return store;
        }

        /** Starts a put of "new" under k on another thread and gives it time to meet the planted lock. */
        private CompletableFuture<BlobInfo> putBehindLock(FileSystemBlobStore store) {
            CompletableFuture<BlobInfo> put = CompletableFuture.supplyAsync(() -> store.put("k", utf8("new")));
            await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofMinutes(1)).until(() -> true);
            return put;
        }

        /** Moves the clock a second per poll until {@code put} ends: it may have started waiting after the last move. */
        private void finishMovingTime(CompletableFuture<?> put) {
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20)).until(() -> {
                if (!put.isDone()) {
                    clock.advance(Duration.ofSeconds(1));
                }
                return put.isDone();
            });
        }

        private Path plantLock(String content) throws IOException {
            Path lock = root.resolve("blobs/k.lock");
            Files.createDirectories(lock.getParent());
            Files.writeString(lock, content);
            return lock;
        }

        @Test
        @DisplayName("a lock left by a crashed writer is respected until it has been seen for the stale timeout, then broken")
        void staleLockIsBroken() throws Exception {
            try (FileSystemBlobStore store = storeWithLocks(Duration.ofSeconds(30), Duration.ofMinutes(5))) {
                Path lock = plantLock("pid=999999 host=gone nonce=1\n");
                CompletableFuture<BlobInfo> put = putBehindLock(store);
                clock.advance(Duration.ofSeconds(29));
                await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofMinutes(1)).until(() -> true);
                assertThat(put).isNotDone();
                assertThat(Files.readString(lock)).contains("nonce=1");

                finishMovingTime(put);

                assertThat(text(store, "k")).isEqualTo("new");
                assertThat(lock).doesNotExist();
            }
        }

        @Test
        @DisplayName("a lock that changes holder is a live one: the stale timeout counts from the last change")
        void changingLockIsNotStale() throws Exception {
            try (FileSystemBlobStore store = storeWithLocks(Duration.ofSeconds(30), Duration.ofMinutes(5))) {
                Path lock = plantLock("holder one\n");
                CompletableFuture<BlobInfo> put = putBehindLock(store);
                clock.advance(Duration.ofSeconds(20));
                Files.writeString(lock, "holder two\n");
                await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofMinutes(1)).until(() -> true);
                clock.advance(Duration.ofSeconds(20));
                await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofMinutes(1)).until(() -> true);

                assertThat(put).isNotDone();
                assertThat(Files.readString(lock)).isEqualTo("holder two\n");
                finishMovingTime(put);
                assertThat(text(store, "k")).isEqualTo("new");
            }
        }

        @Test
        @DisplayName("a put that waits longer than the lock wait timeout fails with StateTimeoutException, writes nothing and leaves the lock")
        void lockWaitTimesOut() throws Exception {
            try (FileSystemBlobStore store = storeWithLocks(Duration.ofHours(1), Duration.ofSeconds(5))) {
                Path lock = plantLock("busy\n");
                CompletableFuture<BlobInfo> put = putBehindLock(store);
                finishMovingTime(put);

                assertThatThrownBy(put::join).hasCauseInstanceOf(StateTimeoutException.class)
                        .hasMessageContaining("'k' stayed locked").hasMessageContaining("busy");
                assertThat(text(store, "k")).isEqualTo("old");
                assertThat(Files.readString(lock)).isEqualTo("busy\n");
                try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
                    assertThat(tmp.toList()).isEmpty();
                }
                assertThat(store.guard().stats().failures()).isZero();
            }
        }
    }

    @Nested
    @DisplayName("leftovers of crashed writers")
    class Leftovers {

        @Test
        @DisplayName("temporary files older than the maximum age are swept, younger ones stay, none is ever listed")
        void oldTempFilesAreSwept() throws IOException {
            try (FileSystemBlobStore store = FileSystemBlobStore.open(root)) {
                store.put("real", utf8("x"));
            }
            Path old = root.resolve("tmp/0123-1.tmp");
            Path young = root.resolve("tmp/4567-1.tmp");
            Files.write(old, new byte[1000]);
            Files.write(young, new byte[1000]);
            Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

            try (FileSystemBlobStore store = FileSystemBlobStore.open(root)) {
                assertThat(old).doesNotExist();
                assertThat(young).exists();
                assertThat(store.list("", null, 100).items()).extracting(BlobInfo::key).containsExactly("real");
            }
        }
    }

    @Nested
    @DisplayName("errors")
    class Errors {

        @Test
        @DisplayName("a root that does not exist is refused at open: the store never creates it in place of a missing mount")
        void missingRootRefused() {
            Path missing = root.resolve("not-mounted");
            assertThatThrownBy(() -> FileSystemBlobStore.open(missing)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is the shared volume mounted");
            assertThat(missing).doesNotExist();
        }

        @Test
        @DisplayName("bad keys are InvalidBlobKeyException before anything is written, and not counted by the guard")
        void badKeys() throws IOException {
            try (FileSystemBlobStore store = FileSystemBlobStore.open(root)) {
                for (String bad : List.of("../x", "a/../../x", "/etc/passwd", "a//b", "a\\b")) {
                    assertThatThrownBy(() -> store.put(bad, utf8("x"))).isInstanceOf(InvalidBlobKeyException.class);
                }
                assertThat(store.guard().stats().failures()).isZero();
            }
            try (Stream<Path> all = Files.walk(root)) {
                assertThat(all.filter(Files::isRegularFile).toList()).isEmpty();
            }
        }

        @Test
        @DisplayName("a symbolic link out of the root and a foreign file are StateDataException, not outages")
        void foreignContentRefused() throws IOException {
            Path outside = Files.createDirectories(root.resolve("outside"));
            Files.writeString(outside.resolve("secret.b"), "not a blob");
            Path store = Files.createDirectories(root.resolve("store"));
            try (FileSystemBlobStore s = FileSystemBlobStore.open(store)) {
                Files.createSymbolicLink(store.resolve("blobs/escape.d"), outside);
                Files.writeString(store.resolve("blobs/foreign.b"), "a file someone copied in");

                assertThatThrownBy(() -> s.get("escape/secret")).isInstanceOf(StateDataException.class)
                        .hasMessageContaining("symbolic link");
                assertThatThrownBy(() -> s.put("escape/new", utf8("x"))).isInstanceOf(StateDataException.class);
                assertThatThrownBy(() -> s.stat("foreign")).isInstanceOf(StateDataException.class)
                        .hasMessageContaining("no exstate blob footer");
                Files.createSymbolicLink(store.resolve("blobs/link.b"), outside.resolve("secret.b"));
                assertThatThrownBy(() -> s.get("link")).isInstanceOf(StateDataException.class)
                        .hasMessageContaining("symbolic link");
                assertThat(s.list("", null, 10).items()).isEmpty();
                assertThat(s.guard().stats().failures()).isZero();
            }
            assertThat(outside.resolve("new.b")).doesNotExist();
        }

        @Test
        @DisplayName("a file-system failure is a StateUnavailableException of backend 'filesystem' that says what failed")
        void ioFailureIsBackendFailure() throws IOException {
            try (FileSystemBlobStore store = FileSystemBlobStore.open(root)) {
                Files.delete(root.resolve("tmp"));

                assertThatThrownBy(() -> store.put("k", utf8("x")))
                        .isInstanceOf(StateUnavailableException.class)
                        .hasMessageContaining("filesystem")
                        .hasMessageContaining("blob.put.create");
                assertThat(store.guard().stats().failures()).isPositive();
                assertThat(store.stat("k")).isEmpty();
            }
        }
    }
}
