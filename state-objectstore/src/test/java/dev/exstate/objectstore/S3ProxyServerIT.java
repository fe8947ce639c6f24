package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.blob.PutOptions;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.testkit.s3.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The testkit's in-process S3 server, as the store's tests rely on it. */
@DisplayName("S3ProxyServer (testkit)")
class S3ProxyServerIT {

    private static S3Options options(S3ProxyServer server, String bucket) {
        return S3Options.builder().endpoint(server.endpoint()).credentials(server.accessKey(), server.secretKey())
                .bucket(bucket).build();
    }

    @Test
    @DisplayName("a restarted server listens on the same port with the same objects; while it is down calls fail as unavailable")
    void restartKeepsPortAndObjects() {
        try (S3ProxyServer server = S3ProxyServer.startTransient()) {
            server.createBucket("restart");
            int port = server.port();
            try (S3BlobStore store = S3BlobStore.connect(options(server, "restart"))) {
                store.put("k", "before".getBytes(StandardCharsets.UTF_8));

                server.stop();
                assertThat(server.isRunning()).isFalse();
                assertThatThrownBy(() -> store.stat("k")).isInstanceOf(StateUnavailableException.class);

                server.start();
                assertThat(server.port()).isEqualTo(port);
                assertThat(new String(store.get("k").orElseThrow().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("before");
            }
        }
    }

    @Test
    @DisplayName("a filesystem server keeps objects in its directory for a new server over the same directory")
    void filesystemOutlivesTheServer(@TempDir Path dir) {
        try (S3ProxyServer first = S3ProxyServer.builder().filesystemBackend(dir).credentials("ak-test", "sk-test-secret").build().start()) {
            first.createBucket("durable");
            try (S3BlobStore store = S3BlobStore.connect(options(first, "durable"))) {
                store.put("doc", "kept".getBytes(StandardCharsets.UTF_8), PutOptions.defaults().withContentType("text/plain"));
            }
        }
        assertThat(Files.exists(dir)).as("a given directory is not deleted").isTrue();

        try (S3ProxyServer second = S3ProxyServer.builder().filesystemBackend(dir).credentials("ak-test", "sk-test-secret").build().start();
             S3BlobStore store = S3BlobStore.connect(options(second, "durable"))) {
            assertThat(new String(store.get("doc").orElseThrow().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("kept");
            assertThat(store.stat("doc").orElseThrow().contentType()).isEqualTo("text/plain");
        }
    }

    @Test
    @DisplayName("requests signed with other credentials are refused")
    void otherCredentialsRefused() {
        try (S3ProxyServer server = S3ProxyServer.startTransient()) {
            server.createBucket("guarded");
            S3Options wrong = options(server, "guarded").toBuilder().credentials("someone-else", "their-secret").build();
            try (S3BlobStore store = S3BlobStore.connect(wrong)) {
                assertThatThrownBy(() -> store.put("k", new byte[1])).isInstanceOf(BlobAccessDeniedException.class);
            }
            assertThat(server.storedNames("guarded")).isEmpty();
        }
    }

    @Test
    @DisplayName("a temporary filesystem directory is deleted on close, and a closed server cannot start again")
    void closeCleansUp() {
        S3ProxyServer server = S3ProxyServer.builder().filesystemBackend().build().start();
        Path dir = server.dataDir();
        assertThat(dir).exists();

        server.close();
        server.close();

        assertThat(dir).doesNotExist();
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }
}
