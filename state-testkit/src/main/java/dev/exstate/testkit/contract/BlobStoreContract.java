package dev.exstate.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.blob.PutOptions;
import dev.exstate.testkit.internal.GeneratedContent;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link BlobStore} satisfies, as one abstract JUnit suite. A provider's test
 * extends it and answers {@link #newStore}; each call is one more replica over the same backend.
 * Every test works under its own random key prefix ({@link #key}), so a backend (bucket) may be
 * shared between tests.
 */
public abstract class BlobStoreContract {
    private static final int LARGE_BYTES = 8 * 1024 * 1024;

    private final List<BlobStore> stores = new CopyOnWriteArrayList<>();
    private final String prefix = "contract-" + UUID.randomUUID() + "/";
    private BlobStore replicaA;
    private BlobStore replicaB;

    /** A new replica of the store under test, over this test's backend. Closed by the suite. */
    protected abstract BlobStore newStore();

    /** False for stores that cannot hold 8 MiB blobs; skips the large-object tests. */
    protected boolean supportsLargeObjects() {
        return true;
    }

    @AfterEach
    void closeStores() {
        for (BlobStore s : stores) {
            s.close();
        }
        stores.clear();
        replicaA = null;
        replicaB = null;
    }

    protected final BlobStore a() {
        if (replicaA == null) {
            replicaA = track(newStore());
        }
        return replicaA;
    }

    protected final BlobStore b() {
        if (replicaB == null) {
            replicaB = track(newStore());
        }
        return replicaB;
    }

    private BlobStore track(BlobStore s) {
        stores.add(s);
        return s;
    }

    /** {@code name} under this test's own prefix. */
    protected final String key(String name) {
        return prefix + name;
    }

    /** This test's own prefix, ending in '/'. */
    protected final String prefix() {
        return prefix;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Blob blob) {
        return new String(blob.readAllBytes(), StandardCharsets.UTF_8);
    }

    private Optional<String> contentOf(BlobStore store, String key) {
        return store.get(key).map(BlobStoreContract::text);
    }

    private List<String> allKeys(BlobStore store, String listPrefix) {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            BlobPage page = store.list(listPrefix, token, 1000);
            page.items().forEach(i -> keys.add(i.key()));
            token = page.continuationToken();
        } while (token != null);
        return keys;
    }

    @Nested
    @DisplayName("put, get, stat and delete")
    class Basics {

        @Test
        @DisplayName("content, content type and metadata round-trip through another replica")
        void roundTripThroughOtherReplica() {
            String k = key("docs/report.txt");
            PutOptions opts = PutOptions.defaults().withContentType("text/plain; charset=utf-8")
                    .withMetadata(Map.of("owner", "alice", "Source", "upload"));

            BlobInfo put = a().put(k, utf8("hello, blob ✓"), opts);

            assertThat(put.key()).isEqualTo(k);
            assertThat(put.size()).isEqualTo(utf8("hello, blob ✓").length);
            assertThat(put.etag()).isNotBlank();
            try (Blob blob = b().get(k).orElseThrow()) {
                assertThat(text(blob)).isEqualTo("hello, blob ✓");
                assertThat(blob.info().contentType()).isEqualTo("text/plain; charset=utf-8");
                assertThat(blob.info().metadata()).isEqualTo(Map.of("owner", "alice", "source", "upload"));
                assertThat(blob.info().size()).isEqualTo(put.size());
                assertThat(blob.info().etag()).isEqualTo(put.etag());
            }
        }

        @Test
        @DisplayName("content type defaults to application/octet-stream")
        void defaultContentType() {
            String k = key("raw");
            a().put(k, new byte[] {1, 2, 3});

            assertThat(b().stat(k).orElseThrow().contentType()).isEqualTo(PutOptions.DEFAULT_CONTENT_TYPE);
            assertThat(b().stat(k).orElseThrow().metadata()).isEmpty();
        }

        @Test
        @DisplayName("stat describes the blob without reading it")
        void statDescribesBlob() {
            String k = key("stat/me");
            BlobInfo put = a().put(k, utf8("0123456789"));

            BlobInfo stat = b().stat(k).orElseThrow();

            assertThat(stat).extracting(BlobInfo::key, BlobInfo::size, BlobInfo::etag).containsExactly(k, 10L, put.etag());
            assertThat(stat.lastModified()).isNotNull();
        }

        @Test
        @DisplayName("an empty blob is stored and read back")
        void emptyBlob() {
            String k = key("empty");
            a().put(k, new byte[0]);

            assertThat(b().stat(k).orElseThrow().size()).isZero();
            assertThat(contentOf(b(), k)).contains("");
        }

        @Test
        @DisplayName("a missing key gets and stats to empty")
        void missingIsEmpty() {
            assertThat(a().get(key("nope"))).isEmpty();
            assertThat(a().get(key("nope"), BlobRange.of(0, 1))).isEmpty();
            assertThat(a().stat(key("nope"))).isEmpty();
        }

        @Test
        @DisplayName("delete removes the blob for every replica and is idempotent")
        void deleteIsIdempotent() {
            String k = key("doomed");
            a().put(k, utf8("x"));

            b().delete(k);

            assertThat(a().get(k)).isEmpty();
            assertThat(a().stat(k)).isEmpty();
            a().delete(k);
            b().delete(key("never-existed"));
        }

        @Test
        @DisplayName("a put overwrites and changes the etag")
        void overwrite() {
            String k = key("over");
            BlobInfo first = a().put(k, utf8("first version"));

            BlobInfo second = b().put(k, utf8("second"));

            assertThat(contentOf(a(), k)).contains("second");
            assertThat(a().stat(k).orElseThrow().size()).isEqualTo(6);
            assertThat(second.etag()).isNotEqualTo(first.etag());
        }

        @Test
        @DisplayName("a stream of unknown length is stored whole")
        void unknownLength() {
            String k = key("unknown-length");
            GeneratedContent in = new GeneratedContent(100_000, 7);

            BlobInfo info = a().put(k, in, -1, PutOptions.defaults());

            assertThat(info.size()).isEqualTo(100_000);
            try (Blob blob = b().get(k).orElseThrow()) {
                assertThat(GeneratedContent.sha256(blob.content())).isEqualTo(in.digest());
            }
        }
    }

    @Nested
    @DisplayName("conditional puts")
    class Conditional {

        @Test
        @DisplayName("ifAbsent succeeds once, then fails and keeps the original content")
        void ifAbsentOnce() {
            String k = key("once");
            a().put(k, utf8("original"), PutOptions.ifAbsent());

            assertThatThrownBy(() -> b().put(k, utf8("intruder"), PutOptions.ifAbsent()))
                    .isInstanceOf(BlobPreconditionFailedException.class);

            assertThat(contentOf(a(), k)).contains("original");
        }

        @Test
        @DisplayName("ifMatch with the current etag succeeds; with a stale etag it fails and keeps the content")
        void ifMatch() {
            String k = key("cas");
            BlobInfo v1 = a().put(k, utf8("v1"));

            BlobInfo v2 = b().put(k, utf8("v2"), PutOptions.ifMatch(v1.etag()));

            assertThat(contentOf(a(), k)).contains("v2");
            assertThatThrownBy(() -> a().put(k, utf8("v3"), PutOptions.ifMatch(v1.etag())))
                    .isInstanceOf(BlobPreconditionFailedException.class);
            assertThat(contentOf(b(), k)).contains("v2");
            assertThat(a().stat(k).orElseThrow().etag()).isEqualTo(v2.etag());
        }

        @Test
        @DisplayName("ifMatch on a missing blob fails and stores nothing")
        void ifMatchOnMissing() {
            String k = key("missing");
            BlobInfo other = a().put(key("other"), utf8("x"));

            assertThatThrownBy(() -> a().put(k, utf8("v"), PutOptions.ifMatch(other.etag())))
                    .isInstanceOf(BlobPreconditionFailedException.class);
            assertThat(b().stat(k)).isEmpty();
        }

        @Test
        @DisplayName("8 threads racing with ifAbsent leave exactly one winner")
        void concurrentIfAbsentHasOneWinner() throws Exception {
            String k = key("race");
            List<Callable<String>> tasks = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String content = "writer-" + t;
                BlobStore store = t % 2 == 0 ? a() : b();
                tasks.add(() -> {
                    try {
                        store.put(k, utf8(content), PutOptions.ifAbsent());
                        return content;
                    } catch (BlobPreconditionFailedException lost) {
                        return null;
                    }
                });
            }

            List<String> results = Concurrently.runTogether(tasks);

            List<String> winners = results.stream().filter(r -> r != null).toList();
            assertThat(winners).hasSize(1);
            assertThat(contentOf(a(), k)).contains(winners.get(0));
        }
    }

    @Nested
    @DisplayName("ranged reads")
    class Ranges {
        private static final String CONTENT = "0123456789abcdefghij";
        private String k;

        @BeforeEach
        void putContent() {
            k = key("range");
            a().put(k, utf8(CONTENT));
        }

        private String read(BlobRange range) {
            try (Blob blob = b().get(k, range).orElseThrow()) {
                assertThat(blob.info().size()).as("info describes the whole blob").isEqualTo(CONTENT.length());
                return text(blob);
            }
        }

        @Test
        @DisplayName("a range in the middle yields exactly those bytes")
        void middle() {
            assertThat(read(BlobRange.of(5, 5))).isEqualTo("56789");
            assertThat(read(BlobRange.of(0, 1))).isEqualTo("0");
        }

        @Test
        @DisplayName("a range from an offset yields the rest")
        void fromOffset() {
            assertThat(read(BlobRange.from(15))).isEqualTo("fghij");
            assertThat(read(BlobRange.from(0))).isEqualTo(CONTENT);
        }

        @Test
        @DisplayName("a range past the end yields the bytes that exist, possibly none")
        void pastEnd() {
            assertThat(read(BlobRange.of(18, 10))).isEqualTo("ij");
            assertThat(read(BlobRange.from(25))).isEmpty();
        }
    }

    @Nested
    @DisplayName("listing")
    class Listing {

        @Test
        @DisplayName("25 keys listed 10 at a time come in 3 pages, in order, without duplicates or other prefixes")
        void pagedListing() {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                String k = key("list/a/item-" + String.format("%02d", i));
                expected.add(k);
            }
            // put in reverse order so the listing cannot just echo insertion order
            for (int i = expected.size() - 1; i >= 0; i--) {
                a().put(expected.get(i), utf8("v" + i));
            }
            a().put(key("list/b/item-00"), utf8("other prefix"));
            a().put(key("list/a"), utf8("the prefix without slash"));
            a().put(key("list/"), new byte[0]);

            List<String> seen = new ArrayList<>();
            List<Integer> pageSizes = new ArrayList<>();
            String token = null;
            int pages = 0;
            do {
                BlobPage page = b().list(key("list/a/"), token, 10);
                pageSizes.add(page.items().size());
                page.items().forEach(i -> seen.add(i.key()));
                token = page.continuationToken();
                assertThat(++pages).as("pages").isLessThanOrEqualTo(3);
            } while (token != null);

            assertThat(pageSizes).containsExactly(10, 10, 5);
            assertThat(seen).containsExactlyElementsOf(expected);
            assertThat(new HashSet<>(seen)).hasSize(25);
        }

        @Test
        @DisplayName("listed items carry size and etag")
        void listedItemsDescribeBlobs() {
            BlobInfo put = a().put(key("described"), utf8("12345"));

            BlobPage page = b().list(prefix(), null, 10);

            assertThat(page.items()).hasSize(1);
            BlobInfo item = page.items().get(0);
            assertThat(item).extracting(BlobInfo::key, BlobInfo::size, BlobInfo::etag)
                    .containsExactly(put.key(), 5L, put.etag());
            assertThat(page.continuationToken()).isNull();
        }

        @Test
        @DisplayName("a prefix without blobs lists an empty last page")
        void emptyListing() {
            BlobPage page = a().list(key("nothing-here/"), null, 10);

            assertThat(page.items()).isEmpty();
            assertThat(page.next()).isEmpty();
        }

        @Test
        @DisplayName("keys with non-ASCII, XML-special and URL-special characters list back exactly as they were put")
        void unusualKeysListUnchanged() {
            List<String> keys = List.of(key("odd/a&b<c>\"d'e"), key("odd/ключ ünïcode"), key("odd/emoji-\uD83D\uDE00"),
                    key("odd/plus+percent%20space x"), key("odd/q?h#s;c=1"), key("odd/\u00a0nbsp\u2028ls"));
            for (String k : keys) {
                a().put(k, utf8("v"));
            }

            assertThat(allKeys(b(), key("odd/"))).containsExactlyInAnyOrderElementsOf(keys);
        }

        @Test
        @DisplayName("maxKeys outside 1..1000 is rejected")
        void maxKeysBounds() {
            assertThatThrownBy(() -> a().list(prefix(), null, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> a().list(prefix(), null, 1001)).isInstanceOf(IllegalArgumentException.class);
            assertThat(a().list(prefix(), null, 1000).items()).isEmpty();
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {

        @Test
        @DisplayName("illegal keys are rejected with InvalidBlobKeyException and nothing is stored")
        void illegalKeysRejected() {
            List<String> badKeys = List.of(
                    key("a/../b"),
                    key("../escape"),
                    key("./here"),
                    "/" + key("absolute"),
                    key("control\u0001char"),
                    key("new\nline"),
                    "",
                    key("x".repeat(1025)),
                    "x".repeat(1025));
            for (String bad : badKeys) {
                assertThatThrownBy(() -> a().put(bad, utf8("payload")))
                        .as("key of %d chars", bad.length())
                        .isInstanceOf(InvalidBlobKeyException.class);
            }

            assertThat(allKeys(b(), prefix())).isEmpty();
            assertThat(allKeys(b(), "")).noneMatch(k -> k.contains(prefix()) || k.equals("x".repeat(1025)));
        }

        @Test
        @DisplayName("keys with U+FFFE, U+FFFF or an unpaired surrogate are rejected, and listing their prefix keeps working")
        void unlistableKeysRejected() {
            a().put(key("nc/ok"), utf8("ok"));
            List<String> badKeys = List.of(key("nc/a\uFFFE"), key("nc/b\uFFFF"), key("nc/\uFDD0"), key("nc/lone\uD800"),
                    key("nc/lone\uDC00x"), key("nc/plane\uD83F\uDFFF"));
            for (String bad : badKeys) {
                assertThatThrownBy(() -> a().put(bad, utf8("payload"))).isInstanceOf(InvalidBlobKeyException.class);
                assertThatThrownBy(() -> a().stat(bad)).isInstanceOf(InvalidBlobKeyException.class);
                assertThatThrownBy(() -> a().list(bad, null, 10)).isInstanceOf(InvalidBlobKeyException.class);
            }

            assertThat(allKeys(b(), key("nc/"))).containsExactly(key("nc/ok"));
            // '?' is what an encoder writes for a lone surrogate: it must not have been created instead
            assertThat(b().stat(key("nc/lone?"))).isEmpty();
        }

        @Test
        @DisplayName("an ifMatch etag or content type carrying CR/LF fails when the option is built; nothing is sent or stored")
        void headerInjectionRejected() {
            String k = key("guarded");
            BlobInfo original = a().put(k, utf8("original"));

            assertThatThrownBy(() -> a().put(k, utf8("smuggled"), PutOptions.ifMatch(original.etag() + "\r\nX-Injected: yes")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> a().put(k, utf8("smuggled"),
                    PutOptions.defaults().withContentType("text/plain\r\nX-Injected: yes")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> a().put(k, utf8("smuggled"), PutOptions.ifMatch("\"x\"\r\n\r\nGET / HTTP/1.1\r\nHost: h")))
                    .isInstanceOf(IllegalArgumentException.class);

            assertThat(contentOf(b(), k)).contains("original");
            assertThat(b().stat(k).orElseThrow().etag()).isEqualTo(original.etag());
            // the store still works for a well-formed condition
            assertThat(a().put(k, utf8("updated"), PutOptions.ifMatch(original.etag())).etag()).isNotEqualTo(original.etag());
        }

        @Test
        @DisplayName("malformed continuation tokens are the caller's error (IllegalArgumentException), never an outage")
        void malformedTokensRejected() {
            for (int i = 0; i < 3; i++) {
                a().put(key("tok/item-" + i), utf8("v"));
            }
            List<String> malformed = List.of("\u0000", "x".repeat(10 * 1024), "a\r\nX-Injected: yes", "", "with space",
                    "\uFFFF", "ключ");
            for (int round = 0; round < 4; round++) {
                for (String token : malformed) {
                    assertThatThrownBy(() -> a().list(key("tok/"), token, 10))
                            .as("token of %d chars", token.length())
                            .isInstanceOf(IllegalArgumentException.class);
                }
            }
            // well-formed but never issued: the store may reject it or list from somewhere, but not fail otherwise
            for (String token : List.of("%00", "AAAA", "zzzz-not-a-token", "~".repeat(4096), "..%2F..%2F")) {
                try {
                    a().list(key("tok/"), token, 10);
                } catch (IllegalArgumentException rejected) {
                    // the caller's error: fine
                }
            }

            BlobPage first = b().list(key("tok/"), null, 2);
            assertThat(first.items()).hasSize(2);
            assertThat(b().list(key("tok/"), first.continuationToken(), 2).items()).hasSize(1);
            assertThat(contentOf(a(), key("tok/item-0"))).contains("v");
        }

        @Test
        @DisplayName("a key of exactly 1024 bytes is accepted")
        void longestKeyAccepted() {
            String k = prefix() + "y".repeat(1024 - prefix().length());

            a().put(k, utf8("ok"));

            assertThat(contentOf(b(), k)).contains("ok");
        }

        @Test
        @DisplayName("a stream shorter or longer than the declared length is rejected and nothing is stored")
        void lengthMismatchRejected() {
            String fresh = key("mismatch-new");
            String existing = key("mismatch-existing");
            a().put(existing, utf8("keep me"));

            for (String k : List.of(fresh, existing)) {
                assertThatThrownBy(() -> a().put(k, new ByteArrayInputStream(utf8("0123456789")), 20, PutOptions.defaults()))
                        .as("short stream to %s", k)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> a().put(k, new ByteArrayInputStream(utf8("0123456789")), 5, PutOptions.defaults()))
                        .as("long stream to %s", k)
                        .isInstanceOf(IllegalArgumentException.class);
            }

            assertThat(b().stat(fresh)).isEmpty();
            assertThat(contentOf(b(), existing)).contains("keep me");
        }
    }

    @Nested
    @DisplayName("large objects")
    class Large {

        @BeforeEach
        void onlyWhereSupported() {
            Assumptions.assumeTrue(supportsLargeObjects(), "store does not hold large objects");
        }

        @Test
        @DisplayName("8 MiB of streamed content come back with the same SHA-256")
        void largeObjectRoundTrip() {
            assertStreamedRoundTrip("large.bin", LARGE_BYTES, 42, true);
        }

        @Test
        @DisplayName("8 MiB of content of unknown length come back whole")
        void largeObjectOfUnknownLength() {
            assertStreamedRoundTrip("large-unknown.bin", LARGE_BYTES + 123, 43, false);
        }

        /** Streams {@code size} generated bytes to one replica (declaring the length or not); the other reads them back whole. */
        private void assertStreamedRoundTrip(String name, long size, long seed, boolean lengthKnown) {
            String k = key(name);
            GeneratedContent in = new GeneratedContent(size, seed);

            BlobInfo info = a().put(k, in, lengthKnown ? size : -1, PutOptions.defaults());

            assertThat(info.size()).isEqualTo(size);
            assertThat(b().stat(k).orElseThrow().size()).isEqualTo(size);
            try (Blob blob = b().get(k).orElseThrow()) {
                assertThat(blob.info().size()).isEqualTo(size);
                assertThat(GeneratedContent.sha256(blob.content())).isEqualTo(in.digest());
            }
        }

        @Test
        @DisplayName("a ranged read of a large object yields exactly the requested bytes")
        void largeObjectRange() {
            String k = key("large-range.bin");
            byte[] content = new byte[LARGE_BYTES];
            new SplittableRandom(44).nextBytes(content);
            a().put(k, content);
            int offset = LARGE_BYTES / 2 + 17;

            try (Blob blob = b().get(k, BlobRange.of(offset, 1000)).orElseThrow()) {
                byte[] expected = new byte[1000];
                System.arraycopy(content, offset, expected, 0, 1000);
                assertThat(blob.readAllBytes()).containsExactly(expected);
            }
        }
    }
}
