package dev.exstate.testkit.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.testkit.tls.TestCertificates;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Backends with TLS, ACL users and authentication")
class SecuredBackendsIT {
    private static TestCertificates certs;
    private static TestCertificates otherCa;

    @BeforeAll
    static void makeCertificates() {
        certs = TestCertificates.create();
        otherCa = TestCertificates.create();
    }

    @AfterAll
    static void deleteCertificates() {
        certs.close();
        otherCa.close();
    }

    @Test
    @DisplayName("TestCertificates writes PEM and PKCS#12 files, and two instances are unrelated CAs")
    void certificatesAreWritten() throws Exception {
        assertThat(Files.readString(certs.caCertificate())).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(certs.serverKey())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(certs.clientKey())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(certs.serverKeyStore()).isRegularFile();
        assertThat(certs.trustStore()).isRegularFile();
        assertThat(Files.readString(certs.caCertificate())).isNotEqualTo(Files.readString(otherCa.caCertificate()));
        assertThat(certs.toString()).doesNotContain(certs.keyStorePassword());
    }

    @Nested
    @DisplayName("RedisServer")
    class Redis {
        @Test
        @DisplayName("with TLS speaks only TLS, verifies client certificates, and ACL users get exactly their rules")
        void tlsAndAcl() {
            try (RedisServer redis = RedisServer.builder()
                    .tls(certs, true)
                    .password("admin-secret")
                    .aclUser("shop", "shop-secret", "resetkeys", "~exstate:shop:*", "-@all", "+get", "+set")
                    .start()) {
                assertThat(redis.isTls()).isTrue();
                assertThat(redis.uri()).isEqualTo("rediss://127.0.0.1:" + redis.port());
                assertThat(redis.toString()).contains("tls").doesNotContain("secret");
                assertThat(redis.call("PING")).isEqualTo("PONG");

                // plain text to the TLS port gets no answer a client could take for Redis
                try (RespConnection plain = RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(2))) {
                    assertThatThrownBy(() -> plain.call("PING")).isInstanceOf(RuntimeException.class);
                }
                // a client that trusts another CA refuses the server
                assertThatThrownBy(() -> RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(5),
                        otherCa.clientSslContext().getSocketFactory()))
                        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("TLS");

                try (RespConnection conn = RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(5),
                        certs.clientSslContext().getSocketFactory())) {
                    assertThat(conn.call("AUTH", "shop", "shop-secret")).isEqualTo("OK");
                    assertThat(conn.call("SET", "exstate:shop:k", "v")).isEqualTo("OK");
                    assertThatThrownBy(() -> conn.call("SET", "exstate:other:k", "v"))
                            .isInstanceOf(RespException.class).hasMessageContaining("NOPERM");
                    assertThatThrownBy(() -> conn.call("DEL", "exstate:shop:k"))
                            .isInstanceOf(RespException.class).hasMessageContaining("NOPERM");
                }
                String conf = redis.logTail(200);
                assertThat(conf).doesNotContain("shop-secret");
            }
        }

        @Test
        @DisplayName("with TLS but optional client certificates accepts a client that presents none")
        void tlsWithoutClientCertificates() {
            try (RedisServer redis = RedisServer.builder().tls(certs, false).start();
                 RespConnection conn = RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(5),
                         certs.trustingSslContext().getSocketFactory())) {
                assertThat(conn.call("PING")).isEqualTo("PONG");
            }
        }
    }

    @Nested
    @DisplayName("EtcdServer")
    class Etcd {
        @Test
        @DisplayName("with TLS and authentication serves https, survives a restart, and roles limit users to their prefix")
        void tlsAndAuthentication() {
            try (EtcdServer etcd = EtcdServer.builder().tls(certs, true).authentication("root-secret").start()) {
                assertThat(etcd.endpoint()).startsWith("https://");
                assertThat(etcd.toString()).contains("authentication").doesNotContain("root-secret");
                etcd.put("/exstate/shop/config/a", "1");
                assertThat(etcd.get("/exstate/shop/config/a")).hasValue("1");

                etcd.auth().addRole("shop").grantPrefix("shop", "/exstate/shop/", EtcdServer.Permission.READWRITE)
                        .addUser("shop", "shop-secret").grantRole("shop", "shop");
                CommandResult ok = etcd.etcdctl("get", "/exstate/shop/config/a");
                assertThat(ok.exitCode()).isZero();
                CommandResult asShop = EtcdServer.runEtcdctl(etcd.endpoint(),
                        "--cacert=" + certs.caCertificate(), "--cert=" + certs.clientCertificate(),
                        "--key=" + certs.clientKey(), "--user=shop:shop-secret", "put", "/exstate/other/x", "1");
                assertThat(asShop.exitCode()).isNotZero();
                assertThat(asShop.stderr()).contains("permission denied");
                CommandResult allowed = EtcdServer.runEtcdctl(etcd.endpoint(),
                        "--cacert=" + certs.caCertificate(), "--cert=" + certs.clientCertificate(),
                        "--key=" + certs.clientKey(), "--user=shop:shop-secret", "put", "/exstate/shop/lease/x", "1");
                assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();

                etcd.kill();
                etcd.restart();
                assertThat(etcd.get("/exstate/shop/lease/x")).isEqualTo(Optional.of("1"));
                // without credentials nothing is readable
                CommandResult anonymous = EtcdServer.runEtcdctl(etcd.endpoint(),
                        "--cacert=" + certs.caCertificate(), "--cert=" + certs.clientCertificate(),
                        "--key=" + certs.clientKey(), "get", "/exstate/shop/config/a");
                assertThat(anonymous.exitCode()).isNotZero();
            }
        }
    }
}
