package dev.exstate.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The one place where the providers read TLS material from PEM files (a private CA to trust, a
 * client certificate and key for mutual TLS) and explain a failed TLS handshake. Not API, may
 * change without notice.
 *
 * <p>Errors name the option and the file, never a key's content; {@link IllegalArgumentException}
 * because a missing or malformed file is the caller's configuration to fix.
 */
public final class TlsFiles {
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private TlsFiles() {
    }

    /**
     * Trust managers that trust exactly the certificates in {@code pemFile} (one or more
     * {@code BEGIN CERTIFICATE} blocks).
     *
     * @param option the option's name for messages, e.g. {@code trustCertificates}
     * @throws IllegalArgumentException if the file cannot be read or holds no certificate
     */
    public static TrustManagerFactory trustManagers(Path pemFile, String option) {
        List<Certificate> certificates = certificates(pemFile, option);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(option + " " + pemFile + " cannot be used as a trust store: " + e.getMessage(), e);
        }
    }

    /**
     * Key managers that present the certificate chain in {@code certificatePem} with the
     * unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}) in {@code keyPem}.
     *
     * @throws IllegalArgumentException if a file cannot be read, or the key is missing, encrypted or
     *                                  of an unknown algorithm
     */
    public static KeyManagerFactory keyManagers(Path certificatePem, Path keyPem) {
        List<Certificate> chain = certificates(certificatePem, "clientCertificate");
        PrivateKey key = privateKey(keyPem);
        if (!belongTogether(key, chain.get(0))) {
            throw new IllegalArgumentException("clientKey " + keyPem + " is not the key of the first certificate in"
                    + " clientCertificate " + certificatePem + "; give the key that was issued with that certificate");
        }
        try {
            char[] password = new char[0];
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", key, password, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("clientCertificate " + certificatePem + " and clientKey " + keyPem
                    + " do not form a usable key pair: " + e.getMessage(), e);
        }
    }

    /**
     * If {@code failure} (or a cause) is a failed TLS handshake, what went wrong and what to check,
     * for an error message, advice first (messages get cut): e.g. "the server's certificate is not
     * trusted; check trustCertificates ... (PKIX path building failed ...)". Null if it is no TLS
     * problem.
     */
    public static String describeHandshakeFailure(Throwable failure) {
        SSLException ssl = null;
        boolean untrusted = false;
        boolean expired = false;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof SSLException s && ssl == null) {
                ssl = s;
            }
            untrusted |= t instanceof CertPathValidatorException
                    || t.getClass().getName().equals("sun.security.provider.certpath.SunCertPathBuilderException");
            expired |= t instanceof CertificateExpiredException;
            if (t instanceof CertificateException && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("subject alternative")) {
                return "the server's certificate does not name the host connected to; connect by a name the"
                        + " certificate lists, or set the expected host name (" + t.getMessage() + ")";
            }
        }
        if (ssl == null) {
            return null;
        }
        if (expired) {
            return "the server's certificate has expired; renew it (" + ssl.getMessage() + ")";
        }
        if (untrusted) {
            return "the server's certificate is not trusted; check trustCertificates: it must hold the CA that"
                    + " issued the server's certificate (" + ssl.getMessage() + ")";
        }
        String message = String.valueOf(ssl.getMessage());
        if (ssl instanceof SSLHandshakeException && message.toLowerCase(Locale.ROOT).contains("certificate")) {
            return "the server refused this client's certificate; check clientCertificate and clientKey: the"
                    + " server must trust the CA that issued them (" + message + ")";
        }
        return "the TLS handshake failed; check that the server speaks TLS on this port, and the TLS options"
                + " trustCertificates and clientCertificate (" + message + ")";
    }

    private static List<Certificate> certificates(Path pemFile, String option) {
        byte[] bytes = read(pemFile, option);
        try {
            Collection<? extends Certificate> found = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes));
            if (found.isEmpty()) {
                throw new IllegalArgumentException(option + " " + pemFile + " holds no PEM certificate");
            }
            return new ArrayList<>(found);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(option + " " + pemFile + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path keyPem) {
        String text = new String(read(keyPem, "clientKey"), StandardCharsets.US_ASCII);
        Matcher m = PRIVATE_KEY.matcher(text);
        if (!m.find()) {
            // the content is never echoed: it is a secret
            throw new IllegalArgumentException("clientKey " + keyPem + " holds no unencrypted PKCS#8 key (-----BEGIN"
                    + " PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt -in <key> -out <key.pem>");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("EC", "RSA", "Ed25519", "DSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("clientKey " + keyPem + " is not an EC, RSA, Ed25519 or DSA key this JVM can read");
    }

    /** True if a signature made with {@code key} verifies with the certificate's public key. */
    private static boolean belongTogether(PrivateKey key, Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "DSA" -> "SHA256withDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448 name their own signature
        };
        try {
            byte[] challenge = "exstate key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] read(Path file, String option) {
        if (file == null) {
            throw new IllegalArgumentException(option + " is not set");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + " cannot be read: " + e, e);
        }
    }
}
