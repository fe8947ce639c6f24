package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.testkit.backend.FreePorts;
import dev.exstate.testkit.contract.StartupChecks;
import dev.exstate.testkit.s3.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A store's first contact with S3: retried within the start-up timeout; refused credentials fail at once. */
@DisplayName("S3 start-up")
class S3StartupIT {

    private static S3Options.Builder options(S3ProxyServer server, String bucket) {
        return S3Options.builder().endpoint(server.endpoint()).credentials(server.accessKey(), server.secretKey())
                .bucket(bucket).guardPolicy(S3TestEndpoint.TEST_POLICY);
    }

    @Test
    @DisplayName("a store used before S3 is up waits for it, creates its bucket and stores the object")
    void usedBeforeS3IsUp() throws Exception {
        try (S3ProxyServer server = S3ProxyServer.builder().port(FreePorts.next()).build()) {
            S3Options options = options(server, "early-bird").autoCreateBucket(true).startupTimeout(Duration.ofSeconds(90)).build();
            CompletableFuture<Void> startedLater = StartupChecks.startLater(Duration.ofSeconds(3), server::start);

            try (S3BlobStore store = S3BlobStore.connect(options)) {
                store.put("first.txt", "stored".getBytes(StandardCharsets.UTF_8));

                startedLater.get(60, TimeUnit.SECONDS);
                assertThat(new String(store.get("first.txt").orElseThrow().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("stored");
                assertThat(store.guard().stats().failures()).as("the waiting was not counted as failed calls").isZero();
            }
        }
    }

    @Test
    @DisplayName("an S3 that never comes up fails the first request after the start-up timeout, with the real elapsed time and the last cause")
    void neverUpReportsElapsedTimeAndCause() {
        try (S3ProxyServer stopped = S3ProxyServer.builder().port(FreePorts.next()).build()) {
            S3Options options = options(stopped, "never").connectTimeout(Duration.ofMillis(500))
                    .startupTimeout(Duration.ofSeconds(2)).build();
            try (S3BlobStore store = S3BlobStore.connect(options)) {

                StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class, () -> store.stat("k"));

                StartupChecks.assertTimedOutConnecting(e, "s3");
                assertThat(e.getMessage())
                        .contains("could not connect to bucket 'never' at " + stopped.endpoint() + " within startupTimeout 2000 ms")
                        .contains("check that the S3 endpoint is right and reachable");
            }
        }
    }

    @Test
    @DisplayName("wrong credentials fail the first request at once with an access-denied error saying what to check, never counted as an outage")
    void wrongCredentialsFailFast() {
        try (S3ProxyServer server = S3ProxyServer.startTransient()) {
            server.createBucket("guarded");
            S3Options wrong = options(server, "guarded").credentials(server.accessKey(), "not-the-secret")
                    .startupTimeout(Duration.ofMinutes(5)).build();
            try (S3BlobStore store = S3BlobStore.connect(wrong)) {
                long start = System.nanoTime();

                StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class,
                        () -> store.put("k", new byte[1]));

                assertThat(e).isInstanceOf(BlobAccessDeniedException.class);
                assertThat(e.backend()).isEqualTo("s3");
                assertThat(e.getMessage()).contains("403").contains("check the access key, secret key");
                StartupChecks.assertShowsNoSecret(e, "not-the-secret");
                assertThat(store.guard().stats().failures()).isZero();
                // not retried until the 5 min start-up timeout: generous, and far below it
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
            }
            assertThat(server.storedNames("guarded")).isEmpty();
        }
    }
}
