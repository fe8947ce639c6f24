package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.blob.BlobInfo;
import dev.exstate.etcd.EtcdConfigAdmin;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.objectstore.TempFiles;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionOptions;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The snippets of {@code state-redis/README.md}, {@code state-etcd/README.md} and
 * {@code state-objectstore/README.md}, with the code as printed there: compiled here; the
 * temporary-files snippet, which works over any blob store, also runs on the in-memory one.
 * Change a snippet here and in its README together.
 */
@DisplayName("provider README snippets")
class ReadmeSnippetsProvidersTest {

    record Shop(boolean discount, Optional<Integer> discountPercent) {}

    @SuppressWarnings("unused")
    private static void redis(String password) {
        RedisState redis = RedisState.connect(RedisOptions.standalone("redis://redis:6379").build());   // one per replica
        StateRuntime state = StateRuntime.builder("shop")
                .sessions(redis.sessions(SessionOptions.defaults()))
                .leases(redis.leases())
                .build();                                      // connects here, retrying up to startupTimeout

        RedisOptions options = RedisOptions.standalone("rediss://redis.internal:6380")  // rediss:// = TLS
                .trustCertificates(Path.of("tls/redis-ca.pem"))                      // private CA; default: the JDK's trust store
                .clientCertificate(Path.of("tls/client.pem"),                       // only if the server has tls-auth-clients yes
                                   Path.of("tls/client-key.pem"))                   // unencrypted PKCS#8 PEM
                .credentials("replica-shop", password)                               // the ACL user below; never shown
                .appName("shop")
                .build();
    }

    @SuppressWarnings("unused")
    private static void etcd(String password) {
        EtcdState etcd = EtcdState.connect(EtcdOptions.builder("http://etcd-0:2379", "http://etcd-1:2379").build());
        StateRuntime state = StateRuntime.builder("shop")
                .config(etcd.config(snapshot -> snapshot.bind("shop.", Shop.class)))   // Shop: a record (top README, "Config")
                .leases(etcd.leases())
                .build();                                      // waits for etcd and the first snapshot, up to startupTimeout

        EtcdConfigAdmin admin = etcd.admin("shop");            // for a deploy job or a test: writes shop's config
        long revision = admin.put("shop.discount", "true");    // every replica's source sees it; wait for current().revision() >= revision

        EtcdOptions options = EtcdOptions.builder("https://etcd-0.internal:2379", "https://etcd-1.internal:2379")
                .trustCertificates(Path.of("tls/etcd-ca.pem"))               // private CA; default: the JDK's trust store
                .clientCertificate(Path.of("tls/client.pem"),                // with etcd --client-cert-auth
                                   Path.of("tls/client-key.pem"))            // unencrypted PKCS#8 PEM
                .credentials("replica-shop", password)                        // the user below; never shown
                .appName("shop")
                .build();
    }

    @SuppressWarnings("unused")
    private static void objectstore(String accessKey, String secretKey, byte[] csvBytes) {
        S3Options options = S3Options.builder()
                .endpoint("https://s3.eu-west-1.amazonaws.com")   // http:// or https:// (TLS, JVM trust store)
                // .trustCertificates(Path.of("tls/minio-ca.pem"))  // https with a private CA instead
                .region("eu-west-1")
                .credentials(accessKey, secretKey)                  // never printed, logged or put in exceptions
                .bucket("my-service-files")
                .autoCreateBucket(false)
                .build();

        // in the runtime, sharing the runtime's "s3" guard with everything else on that backend
        // (the guard gets the store's default policy unless .guardPolicy("s3", ...) says otherwise)
        StateRuntime runtime = StateRuntime.builder("orders")
                .blobs(S3BlobStore.blobs(options))
                .build();

        // ... or standalone, with its own guard
        try (S3BlobStore blobs = S3BlobStore.connect(options)) {
            blobs.put("exports/2026-11.csv", csvBytes);
        }
    }

    @Test
    @DisplayName("temporary files: a put gives a key any replica reads, under tmp/ with its expiry, and the cleanup job is scheduled")
    void temporaryFiles() {
        try (StateRuntime runtime = StateRuntime.builder("orders").inMemory(InMemoryBackend.create()).build()) {
            InputStream in = new ByteArrayInputStream("a,b\n".getBytes(StandardCharsets.UTF_8));

            TempFiles temp = new TempFiles(runtime.blobs());   // system clock; pass one to test expiry
            runtime.scheduler().scheduleWithFixedDelay("tmp-cleanup", Duration.ofMinutes(5), temp.cleanupJob());
            BlobInfo file = temp.put("export.csv", in, -1, Duration.ofHours(1));   // hand out file.key()

            assertThat(file.key()).startsWith("tmp/").endsWith("/export.csv");
            assertThat(TempFiles.expiresAt(file.key())).isPresent();
            assertThat(temp.get(file.key()).orElseThrow().readAllBytes()).isEqualTo("a,b\n".getBytes(StandardCharsets.UTF_8));
            assertThat(temp.isExpired(file.key())).isFalse();
        }
    }
}
