package dev.exstate.redis.internal;

import dev.exstate.internal.TlsFiles;
import dev.exstate.redis.RedisOptions;
import io.lettuce.core.SslOptions;

/**
 * The TLS settings of the Lettuce client, made from {@link RedisOptions}: a private CA to trust
 * and a client certificate for mutual TLS, read from PEM files once, before connecting. Not API.
 */
final class RedisTls {
    private RedisTls() {
    }

    /**
     * Lettuce's TLS options for {@code options}, or {@code null} for Lettuce's defaults (the JDK's
     * trust store, no client certificate).
     *
     * @throws IllegalArgumentException if a PEM file is missing, unreadable or malformed
     */
    static SslOptions sslOptions(RedisOptions options) {
        if (options.trustCertificates() == null && options.clientCertificate() == null) {
            return null;
        }
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (options.trustCertificates() != null) {
            b.trustManager(TlsFiles.trustManagers(options.trustCertificates(), "trustCertificates"));
        }
        if (options.clientCertificate() != null) {
            b.keyManager(TlsFiles.keyManagers(options.clientCertificate(), options.clientKey()));
        }
        return b.build();
    }

    /** What to tell the user when connecting failed in the TLS handshake, or null if it did not. */
    static String handshakeProblem(Throwable failure) {
        return TlsFiles.describeHandshakeFailure(failure);
    }
}
