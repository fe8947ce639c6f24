package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.objectstore.internal.Checksums;
import dev.exstate.objectstore.internal.S3Errors;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.testkit.internal.GeneratedContent;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.messages.Upload;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What {@link S3BlobStore} adds to the blob store contract, against s3proxy (or a real S3 service, see {@link S3TestEndpoint}). */
@DisplayName("S3BlobStore")
class S3BlobStoreIT {
    private static final int PART = S3Options.MIN_PART_SIZE;

    @RegisterExtension
    static final S3Fixture s3 = S3Fixture.endpoint();

    /** A store over a new bucket of its own, with 5 MiB parts so multipart needs little data. */
    private S3BlobStore newStore() {
        return s3.store(s3.backend().newBucket().partSize(PART).build());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Blob blob) {
        return new String(blob.readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * What the backend really stores for the store's bucket: with s3proxy every stored name (the
     * parts of an unfinished upload included), read directly from its backend; with an external
     * service, the keys of unfinished multipart uploads.
     */
    private List<String> storedBehindTheApi(S3BlobStore store) throws Exception {
        String bucket = store.options().bucket();
        if (s3.backend().server() != null) {
            return s3.backend().server().storedNames(bucket);
        }
        return s3.raw().listMultipartUploadsAsync(bucket, null, null, null, null, null, null, null, null, null)
                .get(60, TimeUnit.SECONDS).result().uploads().stream().map(Upload::objectName).toList();
    }

    /** Nothing of an aborted upload is left: no object, no parts. */
    private void assertNothingStored(S3BlobStore store, String key) throws Exception {
        assertThat(store.stat(key)).isEmpty();
        assertThat(storedBehindTheApi(store)).as("stored names").isEmpty();
    }

    @Nested
    @DisplayName("multipart uploads")
    class Multipart {

        @Test
        @DisplayName("content of exactly one part goes in one request; one byte more makes two parts")
        void partBoundaries() {
            S3BlobStore store = newStore();
            BlobInfo onePart = store.put("one", new GeneratedContent(PART, 1), -1, PutOptions.defaults());
            BlobInfo twoParts = store.put("two", new GeneratedContent(PART + 1, 2), -1, PutOptions.defaults());
            BlobInfo known = store.put("known", new GeneratedContent(PART + 1, 3), PART + 1, PutOptions.defaults());

            assertThat(Checksums.isMd5Etag(onePart.etag())).as("single-request ETag %s", onePart.etag()).isTrue();
            assertThat(twoParts.etag()).endsWith("-2\"");
            assertThat(known.etag()).endsWith("-2\"");
            assertThat(GeneratedContent.sha256(store.get("one").orElseThrow().content())).isEqualTo(GeneratedContent.digestOf(PART, 1));
            assertThat(GeneratedContent.sha256(store.get("two").orElseThrow().content())).isEqualTo(GeneratedContent.digestOf(PART + 1, 2));
            assertThat(GeneratedContent.sha256(store.get("known").orElseThrow().content())).isEqualTo(GeneratedContent.digestOf(PART + 1, 3));
        }

        @Test
        @DisplayName("unknown-length content ending exactly at a part boundary makes no empty last part")
        void endsAtPartBoundary() {
            S3BlobStore store = newStore();

            BlobInfo info = store.put("three", new GeneratedContent(3L * PART, 4), -1, PutOptions.defaults());

            assertThat(info.size()).isEqualTo(3L * PART);
            assertThat(info.etag()).endsWith("-3\"");
            assertThat(store.stat("three").orElseThrow().etag()).isEqualTo(info.etag());
        }

        @Test
        @DisplayName("an object is invisible to every replica until its upload completes")
        void noPartialObjectVisible() throws Exception {
            S3BlobStore writer = newStore();
            S3BlobStore reader = s3.store(writer.options());
            CountDownLatch paused = new CountDownLatch(1);
            CountDownLatch resume = new CountDownLatch(1);
            GeneratedContent content = new GeneratedContent(4L * PART + 77, 5).onReaching(3L * PART, () -> {
                paused.countDown();
                awaitQuietly(resume);
            });

            CompletableFuture<BlobInfo> put = CompletableFuture.supplyAsync(() -> writer.put("growing", content, -1, PutOptions.defaults()));
            assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();
            // parts 1 and 2 are on the server by now, in an upload that is not complete
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !storedBehindTheApi(writer).isEmpty());
            assertThat(reader.stat("growing")).isEmpty();
            assertThat(reader.get("growing")).isEmpty();
            assertThat(reader.list("", null, 100).items()).extracting(BlobInfo::key).doesNotContain("growing");
            resume.countDown();

            BlobInfo info = put.get(60, TimeUnit.SECONDS);
            assertThat(info.size()).isEqualTo(4L * PART + 77);
            try (Blob blob = reader.get("growing").orElseThrow()) {
                assertThat(GeneratedContent.sha256(blob.content())).isEqualTo(content.digest());
            }
            if (s3.backend().server() != null) {
                assertThat(storedBehindTheApi(writer)).as("parts are gone once the upload completed").containsExactly("growing");
            }
        }

        @Test
        @DisplayName("a stream that fails mid-upload aborts the upload: no object, no parts left behind")
        void failingStreamAborts() throws Exception {
            S3BlobStore store = newStore();
            InputStream failing = new FilterInputStream(new GeneratedContent(5L * PART, 6)) {
                private long read;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (read > 2L * PART + 1000) {
                        throw new IOException("client went away");
                    }
                    int n = super.read(b, off, len);
                    read += Math.max(n, 0);
                    return n;
                }
            };

            assertThatThrownBy(() -> store.put("broken", failing, -1, PutOptions.defaults()))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("broken")
                    .hasMessageContaining("nothing was written");

            assertNothingStored(store, "broken");
        }

        @Test
        @DisplayName("a multipart stream shorter than its declared length is rejected, and nothing is stored")
        void shortMultipartStream() throws Exception {
            S3BlobStore store = newStore();

            assertThatThrownBy(() -> store.put("short", new GeneratedContent(2L * PART + 10, 7), 4L * PART, PutOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("declared length");

            assertNothingStored(store, "short");
        }

        @Test
        @DisplayName("a multipart stream longer than its declared length is rejected, and nothing is stored")
        void longMultipartStream() throws Exception {
            S3BlobStore store = newStore();

            assertThatThrownBy(() -> store.put("long", new GeneratedContent(2L * PART + 10, 8), 2L * PART, PutOptions.defaults()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("more than the declared");

            assertNothingStored(store, "long");
        }

        @Test
        @DisplayName("ifAbsent on a large object fails before uploading when the key exists, and keeps the original")
        void ifAbsentMultipart() throws Exception {
            S3BlobStore store = newStore();
            store.put("taken", utf8("original"));
            GeneratedContent big = new GeneratedContent(2L * PART + 1, 9);

            assertThatThrownBy(() -> store.put("taken", big, -1, PutOptions.ifAbsent()))
                    .isInstanceOf(BlobPreconditionFailedException.class);

            assertThat(text(store.get("taken").orElseThrow())).isEqualTo("original");
            if (s3.backend().server() != null) {
                assertThat(storedBehindTheApi(store)).as("nothing was uploaded").containsExactly("taken");
            }
            BlobInfo fresh = store.put("fresh", new GeneratedContent(2L * PART + 1, 9), -1, PutOptions.ifAbsent());
            assertThat(fresh.etag()).endsWith("-3\"");
        }

        @Test
        @DisplayName("ifMatch replaces a blob with a large object only while its etag is current")
        void ifMatchMultipart() {
            S3BlobStore store = newStore();
            BlobInfo v1 = store.put("doc", utf8("v1"));

            BlobInfo v2 = store.put("doc", new GeneratedContent(2L * PART, 10), 2L * PART, PutOptions.ifMatch(v1.etag()));

            assertThat(store.stat("doc").orElseThrow().etag()).isEqualTo(v2.etag());
            assertThatThrownBy(() -> store.put("doc", new GeneratedContent(2L * PART, 11), 2L * PART, PutOptions.ifMatch(v1.etag())))
                    .isInstanceOf(BlobPreconditionFailedException.class);
            assertThat(GeneratedContent.sha256(store.get("doc").orElseThrow().content())).isEqualTo(GeneratedContent.digestOf(2L * PART, 10));
        }
    }

    @Nested
    @DisplayName("integrity")
    class Integrity {

        @Test
        @DisplayName("a verified download of a single-request and of a multipart object reads through")
        void verifiedDownloads() {
            S3BlobStore store = newStore();
            store.put("small", utf8("checked"));
            store.put("large", new GeneratedContent(2L * PART + 3, 12), -1, PutOptions.defaults());

            try (Blob small = store.get("small", true).orElseThrow()) {
                assertThat(text(small)).isEqualTo("checked");
            }
            try (Blob large = store.get("large", true).orElseThrow()) {
                assertThat(GeneratedContent.sha256(large.content())).isEqualTo(GeneratedContent.digestOf(2L * PART + 3, 12));
            }
        }

        @Test
        @DisplayName("a verified download of content that differs from its stored SHA-256 fails at end of stream")
        void verifiedDownloadDetectsMismatch() throws Exception {
            S3BlobStore store = newStore();
            byte[] stored = utf8("what is really stored");
            String shaOfSomethingElse = Checksums.hex(Checksums.sha256().digest(utf8("what was meant")));
            s3.raw().putObject(PutObjectArgs.builder().bucket(store.options().bucket()).object("tampered")
                    .stream(new ByteArrayInputStream(stored), stored.length, -1)
                    .userMetadata(Map.of("exstate-sha256", shaOfSomethingElse)).build()).get(60, TimeUnit.SECONDS);

            try (Blob blob = store.get("tampered", true).orElseThrow()) {
                assertThatThrownBy(() -> blob.content().readAllBytes())
                        .isInstanceOf(BlobIntegrityException.class)
                        .hasMessageContaining("SHA-256");
            }
            try (Blob unchecked = store.get("tampered").orElseThrow()) {
                assertThat(unchecked.readAllBytes()).isEqualTo(stored);
            }
        }

        @Test
        @DisplayName("a body that differs from the checksums sent with it (Content-MD5, signed SHA-256) is refused by the server "
                + "and reported as BlobIntegrityException; nothing is stored")
        void corruptedBodyIsRefusedByTheServer() throws Exception {
            S3BlobStore store = newStore();
            String bucket = store.options().bucket();
            byte[] content = utf8("sent with its MD5");
            // flips one bit of every PUT body after the client computed its Content-MD5 (and signed SHA-256)
            OkHttpClient corrupting = new OkHttpClient.Builder().addNetworkInterceptor(chain -> {
                Request request = chain.request();
                if (!"PUT".equals(request.method()) || request.body() == null) {
                    return chain.proceed(request);
                }
                Buffer body = new Buffer();
                request.body().writeTo(body);
                byte[] bytes = body.readByteArray();
                bytes[0] ^= 1;
                return chain.proceed(request.newBuilder()
                        .put(RequestBody.create(bytes, request.body().contentType())).build());
            }).build();
            MinioAsyncClient sender = MinioAsyncClient.builder().endpoint(s3.backend().endpoint().toString()).region("us-east-1")
                    .credentials(s3.backend().accessKey(), s3.backend().secretKey()).httpClient(corrupting).build();

            CompletableFuture<?> put = sender.putObject(PutObjectArgs.builder().bucket(bucket).object("corrupted")
                    .stream(new ByteArrayInputStream(content), content.length, -1).build());

            assertThatThrownBy(() -> put.get(10, TimeUnit.SECONDS))
                    .satisfies(e -> assertThat(S3Errors.translate(e, "blob.put", bucket, "corrupted"))
                            .as("%s", e).isInstanceOf(BlobIntegrityException.class));
            assertThat(store.stat("corrupted")).isEmpty();
        }

        @Test
        @DisplayName("a multipart object's ETag has the multipart form, and stat reports the one the put returned")
        void multipartEtagIsReported() {
            S3BlobStore store = newStore();

            BlobInfo put = store.put("m", new GeneratedContent(2L * PART + 5, 13), -1, PutOptions.defaults());

            assertThat(Checksums.isMultipartEtag(put.etag())).isTrue();
            assertThat(store.stat("m").orElseThrow().etag()).isEqualTo(put.etag());
        }
    }

    @Nested
    @DisplayName("content-addressed puts")
    class ContentAddressed {

        @Test
        @DisplayName("small content lands under its SHA-256 once; storing it again is a no-op")
        void smallOnce() {
            S3BlobStore store = newStore();
            byte[] content = utf8("the same bytes");
            String expectedKey = S3BlobStore.contentAddress(Checksums.hex(Checksums.sha256().digest(content)));

            BlobInfo first = store.putContentAddressed(new ByteArrayInputStream(content), content.length);
            BlobInfo again = store.putContentAddressed(new ByteArrayInputStream(content), -1);

            assertThat(first.key()).isEqualTo(expectedKey).startsWith(S3BlobStore.CAS_PREFIX);
            assertThat(again.key()).isEqualTo(first.key());
            assertThat(again.etag()).isEqualTo(first.etag());
            assertThat(store.list(S3BlobStore.CAS_PREFIX, null, 10).items()).hasSize(1);
            assertThat(store.get(first.key(), true).orElseThrow().readAllBytes()).isEqualTo(content);
        }

        @Test
        @DisplayName("large content is hashed while streaming, stored once, and leaves no temporary object")
        void largeOnce() {
            S3BlobStore store = newStore();
            long size = 2L * PART + 999;
            byte[] sha = GeneratedContent.digestOf(size, 14);

            BlobInfo first = store.putContentAddressed(new GeneratedContent(size, 14), -1);
            BlobInfo again = store.putContentAddressed(new GeneratedContent(size, 14), size);

            assertThat(first.key()).isEqualTo(S3BlobStore.contentAddress(Checksums.hex(sha)));
            assertThat(first.size()).isEqualTo(size);
            assertThat(again.etag()).isEqualTo(store.stat(first.key()).orElseThrow().etag());
            try (Blob blob = store.get(first.key(), true).orElseThrow()) {
                assertThat(GeneratedContent.sha256(blob.content())).isEqualTo(sha);
            }
            assertThat(store.list(TempFiles.PREFIX, null, 10).items()).isEmpty();
            assertThat(store.list("", null, 10).items()).hasSize(1);
        }

        @Test
        @DisplayName("a content-addressed put takes no condition")
        void noCondition() {
            S3BlobStore store = newStore();

            assertThatThrownBy(() -> store.putContentAddressed(new ByteArrayInputStream(new byte[1]), 1, PutOptions.ifAbsent()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    @DisplayName("presigned URLs")
    class Presigned {
        private final HttpClient http = HttpClient.newHttpClient();

        @Test
        @DisplayName("a presigned GET URL serves the blob to a plain HTTP client")
        void presignedGet() throws Exception {
            S3BlobStore store = newStore();
            store.put("shared/report.txt", utf8("for your eyes"));

            URI url = store.presignGet("shared/report.txt", Duration.ofMinutes(5));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("for your eyes");
            assertThat(url.toString()).doesNotContain(s3.backend().secretKey());
        }

        @Test
        @DisplayName("a presigned PUT URL lets a plain HTTP client upload a blob")
        void presignedPut() throws Exception {
            S3BlobStore store = newStore();

            URI url = store.presignPut("incoming/file.bin", Duration.ofMinutes(5));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url)
                    .PUT(HttpRequest.BodyPublishers.ofString("uploaded directly")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(text(store.get("incoming/file.bin").orElseThrow())).isEqualTo("uploaded directly");
        }

        @Test
        @DisplayName("expiry must be between 1 second and 7 days")
        void expiryBounds() {
            S3BlobStore store = newStore();

            assertThatThrownBy(() -> store.presignGet("k", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.presignPut("k", Duration.ofDays(8))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.presignGet("a/../b", Duration.ofMinutes(1))).isInstanceOf(InvalidBlobKeyException.class);
        }
    }

    @Nested
    @DisplayName("errors")
    class Errors {

        @Test
        @DisplayName("a wrong secret key is access denied, not an outage, and the message holds no credentials")
        void wrongSecret() {
            S3Options good = s3.backend().newBucket().build();
            S3BlobStore store = s3.store(good.toBuilder().credentials(s3.backend().accessKey(), "not-the-secret-" + s3.backend().secretKey().hashCode()).build());

            assertThatThrownBy(() -> store.put("k", utf8("v")))
                    .isInstanceOf(BlobAccessDeniedException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(s3.backend().secretKey()).doesNotContain("not-the-secret"));
            assertThatThrownBy(() -> store.stat("k")).isInstanceOf(BlobAccessDeniedException.class);
            assertThat(store.guard().stats().failures()).as("not counted against the breaker").isZero();
            assertThat(store.guard().stats().retries()).isZero();
        }

        @Test
        @DisplayName("a missing bucket is a typed configuration error; autoCreateBucket creates it on first use")
        void missingBucket() {
            String bucket = S3TestEndpoint.freshBucketName();
            S3BlobStore plain = s3.store(s3.backend().options(bucket).build());

            assertThatThrownBy(() -> plain.put("k", utf8("v")))
                    .isInstanceOf(BucketNotFoundException.class)
                    .hasMessageContaining(bucket);
            assertThatThrownBy(() -> plain.list("", null, 10)).isInstanceOf(BucketNotFoundException.class);

            S3BlobStore creating = s3.store(s3.backend().options(bucket).autoCreateBucket(true).build());
            creating.put("k", utf8("v"));
            assertThat(text(plain.get("k").orElseThrow())).isEqualTo("v");
        }

        @Test
        @DisplayName("illegal keys are rejected before any request is sent")
        void illegalKeysSendNothing() {
            S3BlobStore store = newStore();
            List<String> bad = List.of("a/../b", "..", "./x", "/abs", "tab\there", "nul\u0000", "bell\u0007", "x".repeat(1025),
                    "é".repeat(513), "", "back\\slash", "a//b");

            for (String key : bad) {
                assertThatThrownBy(() -> store.put(key, utf8("v"))).as("put %s", key).isInstanceOf(InvalidBlobKeyException.class);
                assertThatThrownBy(() -> store.get(key)).as("get %s", key).isInstanceOf(InvalidBlobKeyException.class);
                assertThatThrownBy(() -> store.stat(key)).as("stat %s", key).isInstanceOf(InvalidBlobKeyException.class);
                assertThatThrownBy(() -> store.delete(key)).as("delete %s", key).isInstanceOf(InvalidBlobKeyException.class);
            }
            assertThatThrownBy(() -> store.list("../", null, 10)).isInstanceOf(InvalidBlobKeyException.class);
            assertThat(store.guard().stats().calls()).as("requests sent").isZero();
        }

        @Test
        @DisplayName("metadata that would not survive HTTP headers, or that uses reserved keys, is rejected before sending")
        void badMetadata() {
            S3BlobStore store = newStore();

            for (Map<String, String> meta : List.of(Map.of("exstate-sha256", "x"), Map.of("bad key", "v"), Map.of("k", "naïve"),
                    Map.of("k", "line\nbreak"), Map.of("k", " padded "))) {
                assertThatThrownBy(() -> store.put("k", utf8("v"), PutOptions.defaults().withMetadata(meta)))
                        .as("metadata %s", meta).isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(store.guard().stats().calls()).isZero();
        }

        @Test
        @DisplayName("a closed store refuses work")
        void closedStore() {
            S3BlobStore store = S3BlobStore.connect(s3.backend().newBucket().build());
            store.close();
            store.close();

            assertThatThrownBy(() -> store.stat("k")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }

        @Test
        @DisplayName("neither the options, the store nor the server print credentials")
        void noSecretsInToString() {
            S3Options options = s3.backend().newBucket().build();
            S3BlobStore store = s3.store(options);

            for (Object o : List.of(options, store)) {
                assertThat(o.toString()).doesNotContain(s3.backend().secretKey()).doesNotContain(s3.backend().accessKey());
            }
            if (s3.backend().server() != null) {
                assertThat(s3.backend().server().toString()).doesNotContain(s3.backend().secretKey()).doesNotContain(s3.backend().accessKey());
            }
        }
    }

    @Nested
    @DisplayName("listing")
    class Listing {

        @Test
        @DisplayName("keys with spaces, plus signs and non-ASCII letters list and read back unchanged")
        void unusualKeys() {
            S3BlobStore store = newStore();
            List<String> keys = new ArrayList<>(List.of("dir/a b.txt", "dir/x+y", "dir/ünïcødé", "dir/日本", "dir/q?=&"));
            for (String k : keys) {
                store.put(k, utf8(k));
            }

            List<String> listed = store.list("dir/", null, 100).items().stream().map(BlobInfo::key).toList();

            assertThat(listed).containsExactlyInAnyOrderElementsOf(keys);
            for (String k : keys) {
                assertThat(text(store.get(k).orElseThrow())).isEqualTo(k);
            }
        }
    }

    @Nested
    @DisplayName("runtime")
    class Runtime {

        @Test
        @DisplayName("built by StateRuntime, the store sends its requests through the runtime's shared s3 guard")
        void factoryUsesSharedGuard() {
            S3Options options = s3.backend().newBucket().build();
            try (StateRuntime runtime = StateRuntime.builder("demo")
                    .guardPolicy("s3", S3Options.DEFAULT_GUARD_POLICY)
                    .blobs(S3BlobStore.blobs(options))
                    .build()) {
                BlobStore blobs = runtime.blobs();
                blobs.put("through/runtime", utf8("shared guard"));

                assertThat(blobs).isInstanceOf(S3BlobStore.class);
                assertThat(((S3BlobStore) blobs).guard()).isSameAs(runtime.guard("s3"));
                assertThat(runtime.guard("s3").stats().successes()).isPositive();
                assertThat(text(blobs.get("through/runtime").orElseThrow())).isEqualTo("shared guard");
            }
        }
    }

    @Nested
    @DisplayName("guard policy under a runtime")
    class PolicyUnderRuntime {

        @Test
        @DisplayName("a guard policy set in S3Options is the policy of the runtime's s3 guard; a different one in the runtime fails the build")
        void optionsGuardPolicyUnderRuntime() {
            GuardPolicy distinctive = S3Options.DEFAULT_GUARD_POLICY.toBuilder().timeout(Duration.ofMillis(4321)).build();
            S3Options options = s3.backend().newBucket().guardPolicy(distinctive).build();
            try (StateRuntime runtime = StateRuntime.builder("demo").blobs(S3BlobStore.blobs(options)).build()) {
                S3BlobStore store = (S3BlobStore) runtime.blobs();
                store.put("k", utf8("v"));

                assertThat(store.guard()).isSameAs(runtime.guard("s3"));
                assertThat(store.guard().policy()).isEqualTo(distinctive);
                assertThat(store.guard().policy().timeout()).isEqualTo(Duration.ofMillis(4321));
            }

            assertThatThrownBy(() -> StateRuntime.builder("demo")
                    .guardPolicy("s3", S3Options.DEFAULT_GUARD_POLICY)
                    .blobs(S3BlobStore.blobs(options))
                    .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("conflicting guard policies for backend 's3'")
                    .hasMessageContaining("timeout=PT4.321S");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
