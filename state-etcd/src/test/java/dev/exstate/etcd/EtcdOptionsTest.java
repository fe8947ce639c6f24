package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.testkit.contract.StartupChecks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
        assertThatThrownBy(() -> EtcdOptions.builder("http://a:1").credentials("user", null))
                .isInstanceOf(NullPointerException.class).hasMessage("password");
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

    /** A row of {@link #badSettings()}: a setter call and the exact message it is refused with. */
    private static Arguments badSetting(UnaryOperator<EtcdOptions.Builder> setting, String message) {
        return Arguments.of(setting, message);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                badSetting(b -> b.connectTimeout(Duration.ZERO), "connectTimeout must be positive and at most PT5M, was PT0S"),
                badSetting(b -> b.keepAliveTime(Duration.ofSeconds(1)),
                        "keepAliveTime must be at least PT5S (etcd closes connections that ping more often) and at most PT2H, was PT1S"),
                badSetting(b -> b.keepAliveTimeout(Duration.ofMinutes(6)),
                        "keepAliveTimeout must be positive and at most PT5M, was PT6M"),
                badSetting(b -> b.startupTimeout(Duration.ofHours(2)), "startupTimeout must be between 0 and 1 hour, was PT2H"),
                badSetting(b -> b.watchProgressInterval(Duration.ofMillis(49)),
                        "watchProgressInterval must be at least 50 ms and at most PT10M, was PT0.049S"),
                badSetting(b -> b.watchVerifyInterval(Duration.ofMillis(99)),
                        "watchVerifyInterval must be zero (off) or between 100 ms and 1 hour, was PT0.099S"),
                badSetting(b -> b.maxRetryBackoff(Duration.ofMinutes(11)),
                        "maxRetryBackoff must be positive and at most PT10M, was PT11M"),
                badSetting(b -> b.maxInboundMessageSize(1),
                        "maxInboundMessageSize must be between 1048576 (1 MiB) and 1073741824 (1 GiB) bytes, was 1"),
                badSetting(b -> b.keyPrefix("/exstate"),
                        "keyPrefix must start and end with '/' and contain no whitespace or control characters, was '/exstate'"),
                badSetting(b -> b.appName("a/b"),
                        "appName must be non-blank, without '/', whitespace or control characters, was 'a/b'"),
                badSetting(b -> b.authority("u@etcd"), "authority must be a host name (with an optional :port), was 'u@etcd'"),
                badSetting(b -> b.credentials(" ", "pw"), "etcd user must not be blank"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    @DisplayName("every setter refuses an out-of-range value at once, naming the setting, the value and the range")
    void settersRefuseAtOnce(UnaryOperator<EtcdOptions.Builder> setting, String message) {
        EtcdOptions.Builder b = EtcdOptions.builder("https://a:1");
        assertThatThrownBy(() -> setting.apply(b)).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(message);
        assertThat(b.build()).as("a refused value leaves the builder as it was").isEqualTo(EtcdOptions.builder("https://a:1").build());
        assertThatThrownBy(() -> b.connectTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("connectTimeout");
    }

    @Test
    @DisplayName("the password is in no accessor, equals, hashCode or toString, and toBuilder keeps it")
    void passwordIsNeverShown() {
        String secret = "s3cr3t-pw";
        EtcdOptions o = EtcdOptions.builder("https://a:1", "https://b:2").credentials("app-user", secret)
                .trustCertificates(Path.of("ca.pem")).authority("etcd.internal").appName("shop")
                .defaults(Map.of("k", "v")).watchVerifyInterval(Duration.ZERO).build();
        EtcdOptions other = o.toBuilder().credentials("app-user", "another-pw").build();

        assertThat(o).isEqualTo(other).hasSameHashCodeAs(other)
                .isNotEqualTo(o.toBuilder().credentials("other-user", secret).build());
        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(o.toBuilder().build().password()).as("toBuilder carries the password").isEqualTo(secret);
        assertThat(o.hasCredentials()).isTrue();
        assertThat(o.toString()).doesNotContain(secret).contains("password=****");
        StartupChecks.assertAccessorsShowNoSecret(o, secret);
    }

}
