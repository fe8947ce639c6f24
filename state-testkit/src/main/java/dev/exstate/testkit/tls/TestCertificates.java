package dev.exstate.testkit.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A private certificate authority for tests, made fresh in a temporary directory: the CA, a
 * server certificate for {@code 127.0.0.1}, {@code ::1} and {@code localhost}, and a client
 * certificate for mutual TLS, each as PEM files (keys unencrypted PKCS#8, as redis-server, etcd
 * and most clients read them) and as PKCS#12 key stores.
 *
 * <pre>{@code
 * try (TestCertificates certs = TestCertificates.create()) {
 *     RedisServer redis = RedisServer.builder().tls(certs, false).start();
 *     // a client trusts certs.caCertificate() and may present certs.clientCertificate()/clientKey()
 * }
 * }</pre>
 *
 * <p>Two calls to {@link #create()} make two unrelated CAs: a client that trusts one does not
 * trust a server of the other, which is how tests provoke "certificate not trusted". Keys are EC
 * P-256 (fast to make); certificates are valid from an hour ago for 7 days.
 *
 * <p>Needs BouncyCastle ({@code org.bouncycastle:bcpkix-jdk18on}) on the test class path; the
 * testkit does not bring it. The key store password is random and never in {@link #toString()}.
 * Immutable after creation and thread-safe; {@link #close()} deletes the directory.
 */
public final class TestCertificates implements AutoCloseable {
    /**
     * The client certificate's subject. It has no common name: etcd would take one for a user name,
     * and its JSON gateway refuses such certificates while authentication is on.
     */
    public static final String CLIENT_SUBJECT = "O=exstate test client";

    private final Path dir;
    private final String keyStorePassword;

    private TestCertificates(Path dir, String keyStorePassword) {
        this.dir = dir;
        this.keyStorePassword = keyStorePassword;
    }

    /**
     * Makes a new CA and its server and client certificates in a new temporary directory.
     *
     * @throws IllegalStateException if BouncyCastle is missing or the files cannot be written
     */
    public static TestCertificates create() {
        Path dir;
        try {
            dir = Files.createTempDirectory("exstate-certs-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for test certificates", e);
        }
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        try {
            Issuer.issueAll(dir, password.toCharArray());
        } catch (NoClassDefFoundError e) {
            deleteQuietly(dir);
            throw new IllegalStateException("TestCertificates needs BouncyCastle on the test class path: add "
                    + "org.bouncycastle:bcpkix-jdk18on (test scope)", e);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            deleteQuietly(dir);
            throw new IllegalStateException("cannot make test certificates in " + dir + ": " + e, e);
        }
        return new TestCertificates(dir, password);
    }

    /** The directory holding every file below. */
    public Path dir() {
        return dir;
    }

    /** The CA certificate (PEM): what a client trusts. */
    public Path caCertificate() {
        return dir.resolve(Issuer.CA_CERT);
    }

    /** The server certificate (PEM), for 127.0.0.1, ::1 and localhost, issued by the CA. */
    public Path serverCertificate() {
        return dir.resolve(Issuer.SERVER_CERT);
    }

    /** The server's private key (unencrypted PKCS#8 PEM). */
    public Path serverKey() {
        return dir.resolve(Issuer.SERVER_KEY);
    }

    /** The client certificate (PEM) for mutual TLS, subject {@link #CLIENT_SUBJECT}, issued by the CA. */
    public Path clientCertificate() {
        return dir.resolve(Issuer.CLIENT_CERT);
    }

    /** The client's private key (unencrypted PKCS#8 PEM). */
    public Path clientKey() {
        return dir.resolve(Issuer.CLIENT_KEY);
    }

    /** PKCS#12 key store with the server key and certificate chain, protected by {@link #keyStorePassword()}. */
    public Path serverKeyStore() {
        return dir.resolve(Issuer.SERVER_P12);
    }

    /** PKCS#12 key store with the client key and certificate chain, protected by {@link #keyStorePassword()}. */
    public Path clientKeyStore() {
        return dir.resolve(Issuer.CLIENT_P12);
    }

    /** PKCS#12 trust store holding the CA certificate, protected by {@link #keyStorePassword()}. */
    public Path trustStore() {
        return dir.resolve(Issuer.TRUST_P12);
    }

    /** The password of the PKCS#12 files (random per instance). */
    public String keyStorePassword() {
        return keyStorePassword;
    }

    /** A TLS context that serves the server certificate and trusts (client certificates of) this CA. */
    public SSLContext serverSslContext() {
        return sslContext(serverKeyStore());
    }

    /** A TLS context that trusts this CA and presents the client certificate when asked. */
    public SSLContext clientSslContext() {
        return sslContext(clientKeyStore());
    }

    /** A TLS context that trusts this CA and presents no certificate. */
    public SSLContext trustingSslContext() {
        return sslContext(null);
    }

    /** Deletes the directory and everything in it. Idempotent. */
    @Override
    public void close() {
        deleteQuietly(dir);
    }

    @Override
    public String toString() {
        return "TestCertificates[" + dir + "]";
    }

    private SSLContext sslContext(Path keyStore) {
        try {
            char[] password = keyStorePassword.toCharArray();
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keyStore, password), password);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(trustStore(), password));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context from " + dir + ": " + e, e);
        }
    }

    private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException | UncheckedIOException e) {
            // a leftover temp directory is not worth failing a test for
        }
    }
}
