package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.config.ConfigValidator;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.testkit.contract.StartupChecks;
import dev.exstate.testkit.tls.TestCertificates;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd over mutual TLS with authentication: the documented role confines a replica to its app,
 * and a wrong CA or a wrong password fails with an error that says what to check.
 */
@DisplayName("etcd over TLS with a user limited to its app")
class EtcdTlsAuthIT {
    private static final Duration FAIL_FAST_BOUND = Duration.ofSeconds(30);

    @RegisterExtension
    static final EtcdFixture<SecuredEtcd> etcd = EtcdFixture.secured("acl");

    @Test
    @DisplayName("a replica reads its config and holds leases, but cannot write config nor touch another app")
    void replicaIsConfinedToItsApp() {
        String other = "acl-" + UUID.randomUUID().toString().substring(0, 8);
        try (EtcdState root = EtcdState.connect(etcd.rootOptions().build());
             EtcdState replica = EtcdState.connect(etcd.options().build())) {
            root.admin().put("greeting", "hello");
            root.admin(other).put("secret", "theirs");

            try (EtcdConfigSource source = replica.configSource(ConfigValidator.acceptAll())) {
                assertThat(source.current().values()).containsEntry("greeting", "hello");
            }
            assertThat(replica.leaseProvider().tryAcquire("job", Duration.ofSeconds(5))).isPresent();

            // refusals are the configuration's problem: typed, not retried, not an outage
            assertThatThrownBy(() -> replica.admin().put("greeting", "changed"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("etcd refused config.put")
                    .hasMessageContaining("permission denied")
                    .hasMessageContaining("Permissions a replica needs");
            assertThatThrownBy(() -> replica.admin(other).list())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("/exstate/" + other + "/config/")
                    .hasMessageContaining("permission denied");
            assertThat(replica.guard().health().status()).isEqualTo(BackendHealth.Status.UP);
            assertThat(etcd.server().get("/exstate/" + etcd.app() + "/config/greeting")).hasValue("hello");
        }
    }

    @Test
    @DisplayName("a server certificate from an unknown CA fails the first read, naming TLS and trustCertificates")
    void untrustedServerCertificate() {
        TestCertificates otherCa = etcd.closeAfter(TestCertificates.create());
        EtcdOptions options = etcd.rootOptions().trustCertificates(otherCa.caCertificate())
                .startupTimeout(Duration.ofSeconds(3)).build();
        long start = System.nanoTime();
        try (EtcdState state = EtcdState.connect(options)) {
            assertThatThrownBy(() -> state.configSource(ConfigValidator.acceptAll()))
                    .isInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("TLS handshake with etcd failed")
                    .hasMessageContaining("not trusted")
                    .hasMessageContaining("trustCertificates");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST_BOUND);
    }

    @Test
    @DisplayName("authority: the certificate is checked against that name instead of the endpoint's host")
    void authorityIsVerified() {
        try (EtcdState root = EtcdState.connect(etcd.rootOptions().authority("localhost").build())) {
            root.admin().put("k", "v");
            assertThat(root.admin().list().values()).containsEntry("k", "v");
        }
        try (EtcdState wrongName = EtcdState.connect(etcd.rootOptions().authority("etcd.example.invalid").build())) {
            assertThatThrownBy(() -> wrongName.admin().put("k", "v"))
                    .isInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("TLS handshake with etcd failed")
                    .hasMessageContaining("does not name the host");
        }
    }

    @Test
    @DisplayName("a wrong password fails building the source, never showing the password")
    void wrongPassword() {
        String wrong = "wrong-" + UUID.randomUUID();
        EtcdOptions options = etcd.backend().options(etcd.app(), "root", wrong).startupTimeout(Duration.ofSeconds(3)).build();
        long start = System.nanoTime();
        try (EtcdState state = EtcdState.connect(options)) {
            assertThatThrownBy(() -> state.configSource(ConfigValidator.acceptAll()))
                    .isInstanceOf(RuntimeException.class)
                    .hasMessageContaining("etcd")
                    .satisfies(e -> StartupChecks.assertShowsNoSecret(e, wrong));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST_BOUND);
        assertThat(options.toString()).doesNotContain(wrong);
    }
}
