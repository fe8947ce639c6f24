package dev.exstate.etcd;

import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An etcd as a careful operator runs it: clients over TLS with client certificates required
 * (a private CA), authentication on, and for every application a user whose one role has exactly
 * the grants {@code README.md} documents under "Permissions a replica needs".
 */
final class SecuredEtcd implements AutoCloseable {
    private static final Pattern DOCUMENTED_GRANT = Pattern.compile(
            "(?m)^etcdctl role grant-permission exstate-<app> --prefix=true (read|write|readwrite) (\\S+)$");

    final TestCertificates certs;
    final EtcdServer server;
    final String rootPassword = "root-" + UUID.randomUUID();

    private SecuredEtcd() {
        certs = TestCertificates.create();
        try {
            server = EtcdServer.builder().tls(certs, true).authentication(rootPassword).start();
        } catch (RuntimeException e) {
            certs.close();
            throw e;
        }
    }

    static SecuredEtcd start() {
        return new SecuredEtcd();
    }

    /** Creates the role {@code exstate-<app>} with the README's grants and a user holding it; returns the password. */
    String createAppUser(String user, String app) {
        String readme;
        try {
            readme = Files.readString(Path.of("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException("state-etcd/README.md must document the replica's role", e);
        }
        String role = "exstate-" + app;
        EtcdServer.Auth auth = server.auth().addRole(role);
        Matcher m = DOCUMENTED_GRANT.matcher(readme);
        int grants = 0;
        while (m.find()) {
            auth.grantPrefix(role, m.group(2).replace("<app>", app),
                    EtcdServer.Permission.valueOf(m.group(1).toUpperCase(Locale.ROOT)));
            grants++;
        }
        if (grants == 0) {
            throw new AssertionError("README.md documents no 'etcdctl role grant-permission exstate-<app> --prefix=true ...'");
        }
        String password = "pw-" + UUID.randomUUID();
        auth.addUser(user, password).grantRole(user, role);
        return password;
    }

    /**
     * Options of a replica of {@code app} logging in as {@code user}, over mutual TLS with the
     * private CA. The first call of a client also logs in (etcd checks the password with bcrypt,
     * CPU-heavy on a busy member) after a TLS handshake, so attempts get 2 s instead of 500 ms.
     */
    EtcdOptions.Builder options(String app, String user, String password) {
        return EtcdTesting.options(server.endpoint())
                .guardPolicy(EtcdTesting.policy().toBuilder().timeout(Duration.ofSeconds(2))
                        .totalTimeout(Duration.ofSeconds(6)).build())
                .appName(app)
                .trustCertificates(certs.caCertificate())
                .clientCertificate(certs.clientCertificate(), certs.clientKey())
                .credentials(user, password);
    }

    /** The same, as root: for whoever writes the config. */
    EtcdOptions.Builder rootOptions(String app) {
        return options(app, "root", rootPassword);
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            certs.close();
        }
    }
}
