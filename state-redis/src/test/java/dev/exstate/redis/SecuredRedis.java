package dev.exstate.redis;

import dev.exstate.internal.TlsFiles;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.tls.TestCertificates;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A redis-server as a careful operator runs it: TLS only with client certificates required
 * (mutual TLS, a private CA), the default user protected by an admin password, and for every
 * application an ACL user made with exactly the rule that {@code README.md} documents under
 * "Permissions a replica needs". White-box reads go through an admin connection.
 */
final class SecuredRedis implements AutoCloseable {
    private static final Pattern DOCUMENTED_ACL = Pattern.compile("(?m)^ACL SETUSER <user> reset .*$");
    private static final Pattern DOCUMENTED_CLUSTER_ACL = Pattern.compile("(?m)^ACL SETUSER <user> \\+cluster.*$");

    final TestCertificates certs;
    final RedisServer server;
    final RawRedis admin;
    private final String adminPassword = "admin-" + UUID.randomUUID();

    private SecuredRedis() {
        certs = TestCertificates.create();
        RedisServer s = null;
        try {
            s = RedisServer.builder().tls(certs, true).password(adminPassword).start();
            RedisURI uri = RedisURI.create(s.uri());
            String pw = adminPassword;
            uri.setCredentialsProvider(RedisCredentialsProvider.from(() -> RedisCredentials.just("default", pw)));
            admin = RawRedis.standalone(uri, ClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
                    .trustManager(TlsFiles.trustManagers(certs.caCertificate(), "ca"))
                    .keyManager(TlsFiles.keyManagers(certs.clientCertificate(), certs.clientKey()))
                    .build()).build());
            server = s;
        } catch (RuntimeException e) {
            if (s != null) {
                s.close();
            }
            certs.close();
            throw e;
        }
    }

    static SecuredRedis start() {
        return new SecuredRedis();
    }

    /** The ACL rule of the README, for this user, password and app (prefix {@code exstate}). */
    static List<String> documentedAcl(String user, String password, String app) {
        return documented(DOCUMENTED_ACL, user, password, app);
    }

    /** The README's addition for Redis Cluster, for this user. */
    static List<String> documentedClusterAcl(String user) {
        return documented(DOCUMENTED_CLUSTER_ACL, user, "", "");
    }

    private static List<String> documented(Pattern line, String user, String password, String app) {
        String readme;
        try {
            readme = Files.readString(Path.of("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException("state-redis/README.md must document the replica's ACL", e);
        }
        Matcher m = line.matcher(readme);
        if (!m.find()) {
            throw new AssertionError("README.md has no line matching " + line.pattern());
        }
        List<String> words = new ArrayList<>();
        for (String w : m.group().trim().split("\\s+")) {
            words.add(w.replace("<user>", user).replace("<password>", password).replace("<app>", app));
        }
        return words;
    }

    /** Creates the app's replica user with the documented rule; returns its password. */
    String createAppUser(String user, String app) {
        String password = "pw-" + UUID.randomUUID();
        List<String> acl = documentedAcl(user, password, app);
        server.call(acl.toArray(String[]::new));
        return password;
    }

    /** Options of a replica of {@code app} that logs in as {@code user}, over mutual TLS with the private CA. */
    RedisOptions.Builder options(String app, String user, String password) {
        return RedisOptions.standalone(server.uri())
                .trustCertificates(certs.caCertificate())
                .clientCertificate(certs.clientCertificate(), certs.clientKey())
                .credentials(user, password)
                .appName(app);
    }

    /** What the server refused since the last reset: one line per ACL LOG entry (user, command, reason). */
    @SuppressWarnings("unchecked")
    List<String> aclDenials() {
        List<String> denials = new ArrayList<>();
        for (Object entry : (List<Object>) server.call("ACL", "LOG")) {
            List<Object> fields = (List<Object>) entry;
            StringBuilder line = new StringBuilder();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String name = String.valueOf(fields.get(i));
                if (List.of("reason", "context", "object", "username").contains(name)) {
                    line.append(name).append('=').append(fields.get(i + 1)).append(' ');
                }
            }
            denials.add(line.toString().trim());
        }
        return denials;
    }

    void resetAclLog() {
        server.call("ACL", "LOG", "RESET");
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            server.close();
            certs.close();
        }
    }
}
