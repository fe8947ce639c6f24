package dev.exstate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.testkit.tls.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The providers' one reader of PEM trust and key files, and explainer of failed TLS handshakes. */
@DisplayName("TlsFiles")
class TlsFilesTest {
    private static TestCertificates certs;

    @BeforeAll
    static void makeCertificates() {
        certs = TestCertificates.create();
    }

    @AfterAll
    static void deleteCertificates() {
        certs.close();
    }

    @Test
    @DisplayName("a PEM CA file becomes trust managers that trust exactly that CA")
    void trustManagers() {
        TrustManagerFactory tmf = TlsFiles.trustManagers(certs.caCertificate(), "trustCertificates");
        X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
        assertThat(tm.getAcceptedIssuers()).hasSize(1);
        assertThat(tm.getAcceptedIssuers()[0].getSubjectX500Principal().getName()).startsWith("CN=exstate test CA");
    }

    @Test
    @DisplayName("a PEM certificate and unencrypted PKCS#8 key become key managers presenting that certificate")
    void keyManagers() {
        KeyManagerFactory kmf = TlsFiles.keyManagers(certs.clientCertificate(), certs.clientKey());
        X509KeyManager km = (X509KeyManager) kmf.getKeyManagers()[0];
        assertThat(km.getCertificateChain("client")).hasSize(1);
        assertThat(km.getPrivateKey("client").getAlgorithm()).isEqualTo("EC");
    }

    @Test
    @DisplayName("missing, empty and wrong files are IllegalArgumentException naming the option and the file, never a key's content")
    void badFiles(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> TlsFiles.trustManagers(missing, "trustCertificates"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trustCertificates " + missing);
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> TlsFiles.trustManagers(empty, "trustCertificates"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no PEM certificate");
        // a key where a certificate belongs, and a certificate where the key belongs
        assertThatThrownBy(() -> TlsFiles.trustManagers(certs.clientKey(), "trustCertificates"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trustCertificates");
        assertThatThrownBy(() -> TlsFiles.keyManagers(certs.clientCertificate(), certs.clientCertificate()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clientKey")
                .hasMessageContaining("PKCS#8");
        String key = Files.readString(certs.clientKey());
        Path rsaStyle = Files.writeString(dir.resolve("rsa.pem"), key.replace("PRIVATE KEY", "EC PRIVATE KEY"));
        assertThatThrownBy(() -> TlsFiles.keyManagers(certs.clientCertificate(), rsaStyle))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("openssl pkcs8")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(key.lines().skip(1).findFirst().orElseThrow()));
        // a key that does not belong to the certificate
        try (TestCertificates other = TestCertificates.create()) {
            assertThatThrownBy(() -> TlsFiles.keyManagers(certs.clientCertificate(), other.clientKey()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not the key of the first certificate");
        }
    }

    @Test
    @DisplayName("handshake failures are explained with advice first; anything else is no TLS problem")
    void describesHandshakeFailures() {
        SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
        untrusted.initCause(new CertPathValidatorException("no path"));
        assertThat(TlsFiles.describeHandshakeFailure(new RuntimeException("wrapped", untrusted)))
                .startsWith("the server's certificate is not trusted; check trustCertificates");
        SSLHandshakeException expired = new SSLHandshakeException("expired");
        expired.initCause(new CertificateExpiredException("NotAfter: yesterday"));
        assertThat(TlsFiles.describeHandshakeFailure(expired)).startsWith("the server's certificate has expired");
        assertThat(TlsFiles.describeHandshakeFailure(new SSLHandshakeException("Received fatal alert: bad_certificate")))
                .startsWith("the server refused this client's certificate; check clientCertificate");
        assertThat(TlsFiles.describeHandshakeFailure(new SSLHandshakeException("Remote host terminated the handshake")))
                .startsWith("the TLS handshake failed; check that the server speaks TLS");
        assertThat(TlsFiles.describeHandshakeFailure(new IOException("connection refused"))).isNull();
        assertThat(TlsFiles.describeHandshakeFailure(null)).isNull();
    }
}
