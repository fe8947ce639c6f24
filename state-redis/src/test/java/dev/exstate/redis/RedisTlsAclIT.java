package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.session.Session;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RespConnection;
import dev.exstate.testkit.backend.RespException;
import dev.exstate.testkit.contract.StartupChecks;
import dev.exstate.testkit.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis over mutual TLS with the documented ACL user: what the user cannot do, that the near
 * cache still gets RESP3 client tracking under it, and that a wrong CA, a missing client
 * certificate, a wrong password or a bad PEM file fails at once with an error that says what to
 * check and shows no secret.
 */
@DisplayName("Redis over TLS with an ACL user")
class RedisTlsAclIT {
    /** Generous: the failures are immediate, but the machine may be busy. Never a speed assertion. */
    private static final Duration FAIL_FAST_BOUND = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisFixture<SecuredRedis> fixture = RedisFixture.securedWithRefusals("acl");

    private static SecuredRedis redis() {
        return fixture.backend();
    }

    @Test
    @DisplayName("the documented ACL user reaches only its app's keys and channel, and no admin command")
    void userIsConfinedToItsApp() {
        try (RespConnection conn = RespConnection.open(redis().server.host(), redis().server.port(), Duration.ofSeconds(5),
                redis().certs.clientSslContext().getSocketFactory())) {
            assertThat(conn.call("AUTH", fixture.user(), fixture.password())).isEqualTo("OK");
            assertThat(conn.call("SET", "exstate:" + fixture.app() + ":lease:{x}", "1")).isEqualTo("OK");
            for (String[] refused : List.of(
                    new String[] {"GET", "exstate:other-app:lease:{x}"},
                    new String[] {"SET", "exstate:other-app:session:{x}", "1"},
                    new String[] {"DEL", "exstate:" + fixture.app() + "x:lease:{x}"},
                    new String[] {"PUBLISH", "exstate:other-app:session-invalidations", "k"},
                    new String[] {"EVAL", "return redis.call('GET', KEYS[1])", "1", "exstate:other-app:lease:{x}"},
                    new String[] {"KEYS", "*"},
                    new String[] {"FLUSHALL"},
                    new String[] {"CONFIG", "GET", "requirepass"},
                    new String[] {"ACL", "LIST"},
                    new String[] {"CLIENT", "KILL", "TYPE", "normal"})) {
                assertThatThrownBy(() -> conn.call(refused)).as(String.join(" ", refused))
                        .isInstanceOf(RespException.class).hasMessageContaining("NOPERM");
            }
            // a script may only touch what the user may: the check applies inside Lua too
            assertThatThrownBy(() -> conn.call("EVAL", "return redis.call('GET', 'exstate:other-app:lease:{x}')", "0"))
                    .isInstanceOf(RespException.class).hasMessageContaining("can't access");
        }
    }

    @Test
    @DisplayName("under the documented ACL the near cache uses RESP3 client tracking (no silent fallback)")
    void trackingWorksUnderTheAcl() {
        RedisSessionStore store = replica(fixture.options().build());
        Session s = store.create();
        assertThat(store.find(s.id())).isPresent();
        String clients = (String) redis().server.call("CLIENT", "LIST");
        List<String> mine = clients.lines().filter(l -> l.contains(" user=" + fixture.user() + " ")).toList();
        assertThat(mine).isNotEmpty().allSatisfy(line -> {
            assertThat(field(line, "resp")).isEqualTo("3");
            assertThat(field(line, "flags")).contains("t");
        });
        assertThat(redis().aclDenials()).filteredOn(d -> d.contains(fixture.user())).isEmpty();
    }

    @Test
    @DisplayName("a server certificate from an unknown CA fails the first provider at once, naming TLS and trustCertificates")
    void untrustedServerCertificate() {
        TestCertificates otherCa = fixture.closeAfter(TestCertificates.create());
        RedisOptions options = fixture.options().trustCertificates(otherCa.caCertificate()).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> replica(options))
                .isInstanceOf(StateAccessDeniedException.class)
                .hasMessageContaining("redis connect")
                .hasMessageContaining("TLS handshake with redis at [" + redis().server.uri() + "]")
                .hasMessageContaining("not trusted")
                .hasMessageContaining("trustCertificates");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST_BOUND);
    }

    @Test
    @DisplayName("the JDK's default trust store does not trust the private CA either")
    void defaultTrustStoreRefusesPrivateCa() {
        RedisOptions options = RedisOptions.standalone(redis().server.uri())
                .clientCertificate(redis().certs.clientCertificate(), redis().certs.clientKey())
                .credentials(fixture.user(), fixture.password()).appName(fixture.app()).build();
        assertThatThrownBy(() -> replica(options))
                .isInstanceOf(StateAccessDeniedException.class)
                .hasMessageContaining("not trusted");
    }

    @Test
    @DisplayName("without a client certificate a server that requires one refuses the replica at once, naming clientCertificate")
    void missingClientCertificate() {
        RedisOptions options = RedisOptions.standalone(redis().server.uri()).trustCertificates(redis().certs.caCertificate())
                .credentials(fixture.user(), fixture.password()).appName(fixture.app()).commandTimeout(Duration.ofSeconds(2)).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> replica(options))
                .isInstanceOf(StateAccessDeniedException.class)
                .hasMessageContaining("redis connect")
                .hasMessageContaining("refused this client's certificate")
                .hasMessageContaining("clientCertificate");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST_BOUND);
    }

    @Test
    @DisplayName("a wrong ACL password fails the first provider at once, pointing at the credentials, never showing them")
    void wrongPassword() {
        String wrong = "wrong-" + UUID.randomUUID();
        RedisOptions options = redis().options(fixture.app(), fixture.user(), wrong).build();
        long start = System.nanoTime();
        assertThatThrownBy(() -> replica(options))
                .isInstanceOf(StateAccessDeniedException.class)
                .hasMessageContaining("redis connect")
                .hasMessageContaining("credentials")
                .satisfies(e -> StartupChecks.assertShowsNoSecret(e, wrong, fixture.password()));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST_BOUND);
        assertThat(options.toString()).doesNotContain(wrong).contains("password=****");
    }

    @Test
    @DisplayName("missing or malformed PEM files are bad input: IllegalArgumentException naming the option, before connecting")
    void badPemFiles(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing-ca.pem");
        assertThatThrownBy(() -> replica(fixture.options().trustCertificates(missing).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustCertificates").hasMessageContaining(missing.toString());

        Path notAKey = Files.writeString(dir.resolve("client-key.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> replica(fixture.options()
                .clientCertificate(redis().certs.clientCertificate(), notAKey).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientKey").hasMessageContaining("PKCS#8")
                .hasMessageNotContaining("c2VjcmV0");

        assertThatThrownBy(() -> RedisOptions.standalone("redis://127.0.0.1:6379").trustCertificates(missing).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
    }

    private RedisSessionStore replica(RedisOptions options) {
        return fixture.state(options).sessionStore(SessionOptions.builder().maxInactiveInterval(Duration.ofMinutes(5)).build());
    }

    private static String field(String clientListLine, String name) {
        for (String field : clientListLine.split(" ")) {
            if (field.startsWith(name + "=")) {
                return field.substring(name.length() + 1);
            }
        }
        return "";
    }
}
