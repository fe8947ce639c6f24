package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EtcdOptionsTest {

    @Test
    @DisplayName("toString shows endpoints and user but never the password nor default values")
    void secretsAreMasked() {
        EtcdOptions options = EtcdOptions.builder("http://10.0.0.1:2379")
                .credentials("app-user", "s3cr3t-pw")
                .defaults(Map.of("db.password", "hunter2"))
                .build();

        assertThat(options.toString())
                .contains("http://10.0.0.1:2379", "app-user", "password=****", "defaults=1 keys")
                .doesNotContain("s3cr3t-pw", "hunter2");
    }

    @Test
    @DisplayName("defaults are production-minded and the key prefix is /exstate/")
    void defaults() {
        EtcdOptions o = EtcdOptions.builder("http://127.0.0.1:2379").build();

        assertThat(o.keyPrefix()).isEqualTo("/exstate/");
        assertThat(o.tls()).isFalse();
        assertThat(o.startupTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.keepAliveTime()).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(o.defaults()).isNull();
        assertThat(o.toBuilder().build()).isEqualTo(o);
    }

    @Test
    @DisplayName("endpoints must be http(s)://host:port, one scheme for all, without credentials in them")
    void endpointsAreChecked() {
        assertThatThrownBy(() -> EtcdOptions.builder().build()).hasMessageContaining("at least one");
        assertThatThrownBy(() -> EtcdOptions.builder("127.0.0.1:2379").build()).hasMessageContaining("http://");
        assertThatThrownBy(() -> EtcdOptions.builder("http://127.0.0.1").build()).hasMessageContaining("port");
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1", "https://b:2").build()).hasMessageContaining("mix");
        assertThatThrownBy(() -> EtcdOptions.builder("http://user:pw@a:1").build())
                .hasMessageContaining("credentials").hasMessageNotContaining("pw@");
        assertThat(EtcdOptions.builder("https://a:1", "https://b:2").build().tls()).isTrue();
    }

    @Test
    @DisplayName("half-given credentials, TLS files on http://, a too short keep-alive and a bad key prefix are refused")
    void inconsistentSettingsAreRefused() {
        assertThatThrownBy(() -> new EtcdOptions(java.util.List.of("http://a:1"), "user", null, null, null, null, null,
                "/exstate/", null, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(1),
                null, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), dev.exstate.guard.GuardPolicy.defaults(),
                EtcdOptions.DEFAULT_MAX_INBOUND_MESSAGE_SIZE))
                .hasMessageContaining("user and password");
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").trustCertificates(Path.of("ca.pem")).build())
                .hasMessageContaining("https://");
        assertThatThrownBy(() -> EtcdOptions.builder("https://a:1").clientCertificate(Path.of("c.pem"), null).build())
                .hasMessageContaining("together");
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").keepAliveTime(Duration.ofSeconds(1)).build())
                .hasMessageContaining("at least");
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").keyPrefix("exstate").build())
                .hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").appName("a/b").build())
                .hasMessageContaining("appName");
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").watchVerifyInterval(Duration.ofMillis(5)).build())
                .hasMessageContaining("watchVerifyInterval");
    }

    @Test
    @DisplayName("no message about a bad endpoint shows the password it carries")
    void endpointErrorsHideCredentials() {
        for (String endpoint : new String[] {"http://app:p@ssw0rd@host:2379", "http://app:p ssw0rd@host:2379",
            "ftp://app:ssw0rd@host:2379", "http://app:p@ssw0rd@", "http://app:p@ss/w0rd@host:2379"}) {
            assertThatThrownBy(() -> EtcdOptions.builder(endpoint).build())
                    .as(endpoint)
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("ssw0rd").doesNotContain("w0rd"));
        }
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1", "https://u:ssw0rd@@b:2").build())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("ssw0rd"));
    }

    @Test
    @DisplayName("durations beyond their bounds are IllegalArgumentException at build time, never an overflow later")
    void durationBounds() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
        List<java.util.function.UnaryOperator<EtcdOptions.Builder>> settings = List.of(
                b -> b.connectTimeout(huge), b -> b.keepAliveTime(huge), b -> b.keepAliveTimeout(huge),
                b -> b.startupTimeout(huge), b -> b.watchProgressInterval(huge), b -> b.watchVerifyInterval(huge),
                b -> b.maxRetryBackoff(huge), b -> b.startupTimeout(Duration.ofHours(2)), b -> b.maxRetryBackoff(Duration.ofDays(1)));
        for (var setting : settings) {
            assertThatThrownBy(() -> setting.apply(EtcdOptions.builder("http://a:1")).build())
                    .isExactlyInstanceOf(IllegalArgumentException.class);
        }
        assertThat(EtcdOptions.builder("http://a:1").startupTimeout(Duration.ofHours(1)).build().startupTimeout())
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    @DisplayName("the inbound message limit defaults to 64 MiB, above gRPC's 4 MiB, and is bounded to 1 MiB .. 1 GiB")
    void maxInboundMessageSize() {
        assertThat(EtcdOptions.builder("http://a:1").build().maxInboundMessageSize()).isEqualTo(64 * 1024 * 1024);
        assertThat(EtcdOptions.builder("http://a:1").maxInboundMessageSize(1024 * 1024).build().toBuilder().build()
                .maxInboundMessageSize()).isEqualTo(1024 * 1024);
        for (int bad : new int[] {0, -1, 1024 * 1024 - 1, 1024 * 1024 * 1024 + 1, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").maxInboundMessageSize(bad).build())
                    .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInboundMessageSize");
        }
    }

    @Test
    @DisplayName("an authority, user or password with control characters is refused (they go into request headers)")
    void headerValuesChecked() {
        for (String authority : new String[] {"etcd.internal\r\nX-Injected: yes", "etcd internal", "u@etcd", "etcd/x", ""}) {
            assertThatThrownBy(() -> EtcdOptions.builder("https://a:1").authority(authority).build())
                    .as(authority).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("authority");
        }
        assertThat(EtcdOptions.builder("https://a:1").authority("etcd.internal:2379").build().authority()).isEqualTo("etcd.internal:2379");
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").credentials("root\n", "pw").build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").credentials("root", "p\r\nw").build())
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("p\r\nw"));
    }
}
