package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.guard.StateUnavailableException;
import dev.exstate.testkit.tls.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** https with a private CA: trusted when configured, refused with a clear error when not. */
@DisplayName("S3BlobStore over https with a private CA")
class S3HttpsIT {
    private static final Duration FAIL_FAST_BOUND = Duration.ofSeconds(60);

    @RegisterExtension
    static final S3Fixture s3 = S3Fixture.https();

    @Test
    @DisplayName("the endpoint is https and a store trusting the private CA stores and reads back")
    void trustedPrivateCa() throws Exception {
        assertThat(s3.backend().endpoint().getScheme()).isEqualTo("https");
        S3Options options = s3.backend().newBucket().trustCertificates(s3.backend().certs().caCertificate()).build();
        assertThat(options.toString()).contains("trustCertificates=" + s3.backend().certs().caCertificate()).doesNotContain(s3.backend().secretKey());
        try (S3BlobStore store = S3BlobStore.connect(options)) {
            byte[] content = "over tls".getBytes(StandardCharsets.UTF_8);
            store.put("k", content);
            try (var in = store.get("k").orElseThrow().content()) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    @DisplayName("a certificate from another CA (or the JVM's default trust store) is refused, naming TLS and trustCertificates")
    void untrustedCertificate() {
        TestCertificates otherCa = s3.closeAfter(TestCertificates.create());
        for (S3Options options : new S3Options[] {
                s3.backend().newBucket().trustCertificates(otherCa.caCertificate()).build(),
                s3.backend().newBucket().build()}) {
            long start = System.nanoTime();
            try (S3BlobStore store = S3BlobStore.connect(options)) {
                assertThatThrownBy(() -> store.stat("k"))
                        .isInstanceOf(StateUnavailableException.class)
                        .hasMessageContaining("TLS handshake")
                        .hasMessageContaining("not trusted")
                        .hasMessageContaining("trustCertificates")
                        .hasMessageNotContaining(s3.backend().secretKey());
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST_BOUND);
        }
    }

    @Test
    @DisplayName("a missing trust file, or one on an http endpoint, is bad input before any request")
    void badTrustFile(@TempDir Path dir) {
        Path missing = dir.resolve("ca.pem");
        S3Options options = s3.backend().newBucket().trustCertificates(missing).build();
        assertThatThrownBy(() -> S3BlobStore.connect(options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustCertificates").hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> S3Options.builder().endpoint("http://127.0.0.1:9000").bucket("abc")
                .trustCertificates(s3.backend().certs().caCertificate()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https://");
    }
}
