package dev.exstate.testkit.backend;

import dev.exstate.testkit.tls.TestCertificates;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the builders of single server processes add to {@link LauncherBuilder}: extra command line
 * options and TLS.
 *
 * @param <B> the builder itself
 * @param <T> the server it builds
 */
abstract class ServerBuilder<B extends ServerBuilder<B, T>, T extends Launcher<T>> extends LauncherBuilder<B, T> {
    final List<String> extraArgs = new ArrayList<>();
    TestCertificates tls;
    boolean requireClientCertificates;

    ServerBuilder() {
    }

    /** Extra command line options, e.g. {@code arg("--maxmemory", "10mb")} for {@code redis-server}. */
    public B arg(String... args) {
        for (String a : args) {
            extraArgs.add(Objects.requireNonNull(a, "arg"));
        }
        return self();
    }

    /**
     * Serves clients over TLS only, with the server certificate and CA of {@code certs}; with
     * {@code requireClientCertificates} a client must present a certificate issued by that CA. The
     * server's class says how its backend is set up for it.
     */
    public B tls(TestCertificates certs, boolean requireClientCertificates) {
        this.tls = Objects.requireNonNull(certs, "certs");
        this.requireClientCertificates = requireClientCertificates;
        return self();
    }
}
