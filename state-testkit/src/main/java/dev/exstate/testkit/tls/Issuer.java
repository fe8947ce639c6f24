package dev.exstate.testkit.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the files of {@link TestCertificates}. The only class of the testkit that touches
 * BouncyCastle, so nothing else needs it on the class path. Not API.
 */
final class Issuer {
    static final String CA_CERT = "ca.pem";
    static final String SERVER_CERT = "server.pem";
    static final String SERVER_KEY = "server-key.pem";
    static final String CLIENT_CERT = "client.pem";
    static final String CLIENT_KEY = "client-key.pem";
    static final String SERVER_P12 = "server.p12";
    static final String CLIENT_P12 = "client.p12";
    static final String TRUST_P12 = "truststore.p12";

    private static final Duration VALIDITY = Duration.ofDays(7);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Issuer() {
    }

    static void issueAll(Path dir, char[] password) throws IOException, GeneralSecurityException {
        try {
            KeyPair caKeys = newKeyPair();
            X500Name caName = new X500Name("CN=exstate test CA " + Long.toHexString(RANDOM.nextLong()));
            X509Certificate ca = certificate(caName, caKeys, caName, caKeys, true, null, null);
            KeyPair serverKeys = newKeyPair();
            // etcd's gRPC gateway dials its own server with the server certificate, so with
            // --client-cert-auth that certificate must be good for client authentication too
            X509Certificate server = certificate(new X500Name("CN=localhost"), serverKeys, caName, caKeys, false,
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.iPAddress, "::1"),
                            new GeneralName(GeneralName.dNSName, "localhost")}));
            KeyPair clientKeys = newKeyPair();
            // no common name: etcd's JSON gateway refuses client certificates with one once
            // authentication is on (it would otherwise be taken for a user name)
            X509Certificate client = certificate(new X500Name(TestCertificates.CLIENT_SUBJECT), clientKeys,
                    caName, caKeys, false,
                    new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, null);

            writePem(dir.resolve(CA_CERT), "CERTIFICATE", ca.getEncoded());
            writePem(dir.resolve(SERVER_CERT), "CERTIFICATE", server.getEncoded());
            writePem(dir.resolve(SERVER_KEY), "PRIVATE KEY", serverKeys.getPrivate().getEncoded());
            writePem(dir.resolve(CLIENT_CERT), "CERTIFICATE", client.getEncoded());
            writePem(dir.resolve(CLIENT_KEY), "PRIVATE KEY", clientKeys.getPrivate().getEncoded());
            writeKeyStore(dir.resolve(SERVER_P12), "server", serverKeys.getPrivate(), new Certificate[] {server, ca}, password);
            writeKeyStore(dir.resolve(CLIENT_P12), "client", clientKeys.getPrivate(), new Certificate[] {client, ca}, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            store(trust, dir.resolve(TRUST_P12), password);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign a test certificate: " + e.getMessage(), e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static X509Certificate certificate(X500Name subject, KeyPair subjectKeys, X500Name issuer, KeyPair issuerKeys,
                                               boolean ca, KeyPurposeId[] purposes, GeneralNames altNames)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(96, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, subjectKeys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKeys.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
        if (ca) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
        }
        if (altNames != null) {
            b.addExtension(Extension.subjectAlternativeName, false, altNames);
        }
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    private static void writePem(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n",
                StandardCharsets.US_ASCII);
    }

    private static void writeKeyStore(Path file, String alias, PrivateKey key, Certificate[] chain, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(alias, key, password, chain);
        store(ks, file, password);
    }

    private static void store(KeyStore ks, Path file, char[] password) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, password);
        }
    }
}
