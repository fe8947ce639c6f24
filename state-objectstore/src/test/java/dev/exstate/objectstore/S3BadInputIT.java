package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.GuardStats;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile input against {@link S3BlobStore} on s3proxy: every bad argument is the caller's error,
 * refused before a request is sent, and never counted by the guard as an S3 failure (which would
 * open the breaker for every other caller of the replica).
 */
@DisplayName("S3BlobStore with hostile input")
class S3BadInputIT {
    @RegisterExtension
    static final S3Fixture s3 = S3Fixture.endpoint();

    private S3BlobStore newStore() {
        return s3.store(s3.backend().newBucket().build());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertNoBackendFailure(S3BlobStore store) {
        GuardStats stats = store.guard().stats();
        assertThat(stats.failures()).as("calls counted as S3 failures").isZero();
        assertThat(stats.retries()).as("retries").isZero();
        assertThat(stats.breakerState()).isEqualTo("CLOSED");
    }

    @Test
    @DisplayName("40 malformed continuation tokens (NUL, 10 KiB, CR/LF, never issued) are IllegalArgumentException; the breaker stays closed")
    void malformedTokensAreTheCallersError() {
        S3BlobStore store = newStore();
        for (int i = 0; i < 3; i++) {
            store.put("p/item-" + i, utf8("v"));
        }
        List<String> tokens = List.of("\u0000", "x".repeat(10 * 1024), "a\r\nX-Injected: yes", "%00", "not-a-token!",
                "AAAA", "_w", "wg", "zzzz");
        int refused = 0;
        for (int round = 0; round < 5; round++) {
            for (String token : tokens) {
                try {
                    store.list("p/", token, 10);
                } catch (IllegalArgumentException e) {
                    refused++;
                    assertThat(e.getMessage()).doesNotContain("Injected");
                }
            }
        }

        assertThat(refused).as("NUL, 10 KiB, CR/LF, '%%00', '!' and tokens that decode to no text are all refused").isGreaterThanOrEqualTo(35);
        assertNoBackendFailure(store);
        BlobPage first = store.list("p/", null, 2);
        assertThat(store.list("p/", first.continuationToken(), 2).items()).extracting(BlobInfo::key).containsExactly("p/item-2");
    }

    @Test
    @DisplayName("a token that decodes to text the store never issued goes to S3 at most as the caller's error, never as an outage")
    void wellFormedForeignTokenIsNotAnOutage() {
        S3BlobStore store = newStore();
        store.put("p/a", utf8("v"));
        String foreign = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(utf8("garbage-token-123"));

        for (int i = 0; i < 10; i++) {
            try {
                store.list("p/", foreign, 10);
            } catch (IllegalArgumentException e) {
                // S3 answering InvalidArgument: the caller's error
            }
        }

        assertNoBackendFailure(store);
    }

    @Test
    @DisplayName("an ifMatch etag with CR/LF never reaches the connection: refused when built, the object and the breaker untouched")
    void headerInjectionThroughIfMatch() {
        S3BlobStore store = newStore();
        BlobInfo original = store.put("doc", utf8("original"));

        for (String evil : List.of(original.etag() + "\r\nX-Injected: yes", "\"x\"\r\n\r\nDELETE /" + store.options().bucket()
                + "/doc HTTP/1.1\r\nHost: x", "\"x\"\nX-Injected: yes")) {
            assertThatThrownBy(() -> store.put("doc", new ByteArrayInputStream(utf8("smuggled")), 8, PutOptions.ifMatch(evil)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> PutOptions.defaults().withCondition(new PutOptions.Condition(false, evil)))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        assertThat(new String(store.get("doc").orElseThrow().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("original");
        assertThat(store.stat("doc").orElseThrow().etag()).isEqualTo(original.etag());
        assertNoBackendFailure(store);
        assertThat(store.guard().stats().calls()).as("no request for the refused puts").isEqualTo(3);
    }

    @Test
    @DisplayName("U+FFFE, U+FFFF and lone surrogates in keys are refused before a request; listing that prefix keeps working")
    void unlistableKeysRefused() {
        S3BlobStore store = newStore();
        store.put("nc/ok", utf8("ok"));
        long callsBefore = store.guard().stats().calls();

        for (String bad : List.of("nc/\uFFFE", "nc/\uFFFF", "nc/x\uD800", "nc/\uDFFFx")) {
            assertThatThrownBy(() -> store.put(bad, utf8("v"))).isInstanceOf(InvalidBlobKeyException.class);
            assertThatThrownBy(() -> store.list(bad, null, 10)).isInstanceOf(InvalidBlobKeyException.class);
        }

        assertThat(store.guard().stats().calls()).isEqualTo(callsBefore);
        assertThat(store.list("nc/", null, 10).items()).extracting(BlobInfo::key).containsExactly("nc/ok");
        assertNoBackendFailure(store);
    }

    @Test
    @DisplayName("a key XML 1.0 cannot carry, written by another client, does not break listing (keys are listed URL-encoded)")
    void foreignUnlistableKeyDoesNotBreakListing() throws Exception {
        S3BlobStore store = newStore();
        store.put("mixed/ok", utf8("ok"));
        String foreign = "mixed/bell\u0007and\uFFFF";
        s3.raw().putObject(PutObjectArgs.builder().bucket(store.options().bucket()).object(foreign)
                .stream(new ByteArrayInputStream(utf8("x")), 1, -1).build()).get(10, TimeUnit.SECONDS);

        List<String> listed = new ArrayList<>();
        String token = null;
        do {
            BlobPage page = store.list("mixed/", token, 1);
            page.items().forEach(i -> listed.add(i.key()));
            token = page.continuationToken();
        } while (token != null);

        assertThat(listed).containsExactly("mixed/bell\u0007and\uFFFF", "mixed/ok");
        assertNoBackendFailure(store);
    }
}
