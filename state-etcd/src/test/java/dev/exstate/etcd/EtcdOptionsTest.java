package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
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
                null, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), dev.exstate.guard.GuardPolicy.defaults()))
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
}
