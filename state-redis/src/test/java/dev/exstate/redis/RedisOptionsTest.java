package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.testkit.contract.StartupChecks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("RedisOptions")
class RedisOptionsTest {

    @Test
    @DisplayName("defaults: one connection, near cache with tracking, 250 ms heartbeat, 1 s freshness window, exstate prefix")
    void defaults() {
        RedisOptions o = RedisOptions.standalone("redis://localhost:6379").build();
        assertThat(o.topology()).isEqualTo(RedisOptions.Topology.STANDALONE);
        assertThat(o.connections()).isEqualTo(1);
        assertThat(o.nearCacheEnabled()).isTrue();
        assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.freshnessWindow()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.keyPrefix()).isEqualTo("exstate");
        assertThat(o.appName()).isNull();
        assertThat(o.toBuilder().build()).isEqualTo(o);
    }

    @Test
    @DisplayName("the freshness window must be longer than the heartbeat interval; the error names both")
    void freshnessWindowLongerThanHeartbeat() {
        RedisOptions.Builder b = RedisOptions.standalone("redis://h:1");
        assertThatThrownBy(() -> b.heartbeatInterval(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("freshnessWindow (PT1S) must be longer than heartbeatInterval (PT1S)");
        assertThat(b.heartbeatInterval(Duration.ofSeconds(1)).freshnessWindow(Duration.ofSeconds(3)).build().toString())
                .contains("heartbeat=PT1S, freshnessWindow=PT3S");
        assertThatThrownBy(() -> b.freshnessWindow(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("freshnessWindow must be positive");
    }

    @Test
    @DisplayName("invalidation defaults to AUTO; NONE (or tracking(false)) turns the near cache off; PUBSUB keeps it")
    void invalidationMode() {
        RedisOptions.Builder b = RedisOptions.standalone("redis://h:1");
        assertThat(b.build().invalidation()).isEqualTo(RedisOptions.InvalidationMode.AUTO);
        assertThat(b.invalidation(RedisOptions.InvalidationMode.NONE).build().nearCacheEnabled()).isFalse();
        RedisOptions pubsub = b.invalidation(RedisOptions.InvalidationMode.PUBSUB).build();
        assertThat(pubsub.nearCacheEnabled()).isTrue();
        assertThat(pubsub.toString()).contains("invalidation=PUBSUB");
        assertThat(pubsub.toBuilder().build()).isEqualTo(pubsub);
        assertThat(b.tracking(false).build().invalidation()).isEqualTo(RedisOptions.InvalidationMode.NONE);
        assertThatThrownBy(() -> b.invalidation(null).build()).isInstanceOf(NullPointerException.class);
    }

    @Test
    @DisplayName("passwords and URI credentials never appear in toString")
    void secretsHidden() {
        RedisOptions o = RedisOptions.cluster(List.of("redis://u:hunter2@n1:7000", "redis://n2:7001"))
                .credentials("svc", "s3cr3t-value").build();
        assertThat(o.toString()).doesNotContain("hunter2").doesNotContain("s3cr3t-value")
                .contains("user=svc").contains("password=****").contains("redis://****@n1:7000");
    }

    @Test
    @DisplayName("a URI that does not fit the topology is rejected with the expected scheme")
    void topologyMismatch() {
        assertThatThrownBy(() -> RedisOptions.standalone("redis-sentinel://s1:26379#m").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis://");
        assertThatThrownBy(() -> RedisOptions.sentinel("redis://h:6379").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis-sentinel://");
        assertThatThrownBy(() -> RedisOptions.cluster(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RedisOptions.sentinel("redis-sentinel://s1:26379,s2:26379#mymaster").build().topology())
                .isEqualTo(RedisOptions.Topology.SENTINEL);
    }

    @Test
    @DisplayName("key segments with braces or whitespace are rejected: they would break the hash tags")
    void keySegments() {
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").keyPrefix("a{b").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").appName("my app").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("appName");
    }

    @Test
    @DisplayName("out-of-range numbers are rejected")
    void ranges() {
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").connections(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").nearCacheSize(-1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").commandTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RedisOptions.standalone("redis://h:1").nearCacheSize(0).build().nearCacheEnabled()).isFalse();
        assertThat(RedisOptions.standalone("redis://h:1").tracking(false).build().nearCacheEnabled()).isFalse();
    }

    /** Builds {@code options} and returns what a user could see: toString, or the error chain's messages. */
    private static String visible(java.util.function.Supplier<RedisOptions> options) {
        try {
            return options.get().toString();
        } catch (IllegalArgumentException e) {
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t).append('\n');
            }
            return all.toString();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "STANDALONE|redis://app:p@ssw0rd@h:6379|ssw0rd",
        "STANDALONE|redis://app:p@ss@w0rd@h:6379|w0rd",
        "STANDALONE|redis://app:p%40ssw0rd@h:6379|ssw0rd",
        "STANDALONE|rediss://:s3cret@h:6380/0|s3cret",
        "STANDALONE|redis://ap p:s3cret@h:6379|s3cret",
        "STANDALONE|redis://app:s3c ret@h:6379|ret",
        "STANDALONE|redis://app:s3cr/et@h:6379|s3cr",
        "STANDALONE|redis://app:s3cr#et@h:6379|s3cr",
        "STANDALONE|redis://app:s3cret@h:notaport|s3cret",
        "STANDALONE|redis://app:s3cret@|s3cret",
        "STANDALONE|app:s3cret@h:6379|s3cret",
        "STANDALONE|redis-sentinel://:s3cret@s1:26379#m|s3cret",
        "SENTINEL|redis-sentinel://:s3cr@t@s1:26379,s2:26379#mymaster|s3cr",
        "SENTINEL|redis-sentinel://u:s3c ret@s1:26379#m|ret",
        "SENTINEL|redis-sentinel://u:s3cret@s1:notaport,s2#m|s3cret",
        "SENTINEL|redis://u:s3cret@h:6379|s3cret",
        "CLUSTER|redis://u:s3cr@t@n1:7000|s3cr",
        "CLUSTER|redis://u:s3 cret@n1:7000|cret",
    })
    @DisplayName("nasty URIs: neither toString nor a validation error shows any part of the password")
    void nastyUrisNeverShowThePassword(RedisOptions.Topology topology, String uri, String secret) {
        String shown = visible(() -> switch (topology) {
            case STANDALONE -> RedisOptions.standalone(uri).build();
            case SENTINEL -> RedisOptions.sentinel(uri).build();
            case CLUSTER -> RedisOptions.cluster(List.of("redis://n0:7000", uri)).build();
        });

        assertThat(shown).doesNotContain(secret);
    }

    @Test
    @DisplayName("a password with '@' that breaks the URI gets an error saying how to encode it")
    void unencodedAtSignIsExplained() {
        assertThatThrownBy(() -> RedisOptions.standalone("redis://app:p@ssw0rd@h:6379").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis://****@h:6379")
                .hasMessageContaining("%40")
                .hasMessageNotContaining("ssw0rd");
        assertThat(RedisOptions.standalone("redis://app:p%40ssw0rd@h:6379").build().toString())
                .contains("redis://****@h:6379").doesNotContain("ssw0rd");
    }

    @Test
    @DisplayName("key segments with unpaired surrogates are rejected: Redis would store '?' instead")
    void keySegmentsWithLoneSurrogates() {
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").keyPrefix("x\uD800").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix").hasMessageContaining("surrogate");
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").appName("\uDC00app").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("appName");
        assertThat(RedisOptions.standalone("redis://h:1").appName("app\uD83D\uDE00").build().appName()).endsWith("\uD83D\uDE00");
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").keyPrefix("p".repeat(101)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyPrefix is 101 characters long");
    }

    @Test
    @DisplayName("durations beyond an hour are rejected with IllegalArgumentException, however large")
    void hugeDurations() {
        for (Duration huge : List.of(Duration.ofHours(1).plusMillis(1), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))) {
            assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").commandTimeout(huge).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandTimeout");
            assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").heartbeatInterval(huge).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval");
        }
        assertThat(RedisOptions.standalone("redis://h:1").commandTimeout(RedisOptions.MAX_INTERVAL).build().commandTimeout())
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    @DisplayName("TLS files: certificate and key go together, need TLS, survive toBuilder and show as paths only")
    void tlsFiles() {
        Path ca = Path.of("/etc/exstate/ca.pem");
        Path cert = Path.of("/etc/exstate/client.pem");
        Path key = Path.of("/etc/exstate/client-key.pem");
        assertThatThrownBy(() -> RedisOptions.standalone("rediss://h:1").clientCertificate(cert, null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clientKey");
        assertThatThrownBy(() -> RedisOptions.standalone("redis://h:1").trustCertificates(ca).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
        assertThat(RedisOptions.standalone("redis://h:1").tls(true).trustCertificates(ca).build().trustCertificates())
                .isEqualTo(ca);
        RedisOptions o = RedisOptions.standalone("rediss://h:1").trustCertificates(ca).clientCertificate(cert, key)
                .credentials("svc", "s3cr3t-value").build();
        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(o.toString()).contains("trust=" + ca).contains("clientCertificate=" + cert)
                .doesNotContain("s3cr3t-value").doesNotContain(key.toString());
    }

    /** A row of {@link #badSettings()}: a setter call and the exact message it is refused with. */
    private static Arguments badSetting(UnaryOperator<RedisOptions.Builder> setting, String message) {
        return Arguments.of(setting, message);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                badSetting(b -> b.commandTimeout(Duration.ZERO), "commandTimeout must be positive and at most PT1H, was PT0S"),
                badSetting(b -> b.startupTimeout(Duration.ofSeconds(-1)),
                        "startupTimeout must be between 0 and PT1H, was PT-1S"),
                badSetting(b -> b.connections(65), "connections must be between 1 and 64, was 65"),
                badSetting(b -> b.nearCacheSize(-1), "nearCacheSize must be >= 0, was -1"),
                badSetting(b -> b.heartbeatInterval(Duration.ofHours(2)),
                        "heartbeatInterval must be positive and at most PT1H, was PT2H"),
                badSetting(b -> b.freshnessWindow(Duration.ofMillis(-5)),
                        "freshnessWindow must be positive and at most PT1H, was PT-0.005S"),
                badSetting(b -> b.keyPrefix("a b"),
                        "keyPrefix must not contain braces, whitespace or control characters: 'a b'"),
                badSetting(b -> b.appName(" "), "appName must not be blank"),
                badSetting(b -> b.credentials(" ", "pw"), "username must not be blank (use null for the default user)"),
                badSetting(b -> b.clientCertificate(Path.of("c.pem"), null),
                        "clientCertificate and clientKey go together: set both or neither"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    @DisplayName("every setter refuses an out-of-range value at once, naming the setting, the value and the range")
    void settersRefuseAtOnce(UnaryOperator<RedisOptions.Builder> setting, String message) {
        RedisOptions.Builder b = RedisOptions.standalone("redis://h:1");
        assertThatThrownBy(() -> setting.apply(b)).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(message);
        assertThat(b.build()).as("a refused value leaves the builder as it was")
                .isEqualTo(RedisOptions.standalone("redis://h:1").build());
        assertThatThrownBy(() -> b.guardPolicy(null)).isInstanceOf(NullPointerException.class).hasMessage("guardPolicy");
    }

    @Test
    @DisplayName("a URI that does not fit is refused by the entry point, before any setter")
    void urisRefusedAtOnce() {
        assertThatThrownBy(() -> RedisOptions.sentinel("redis://h:6379"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis-sentinel://");
        assertThatThrownBy(() -> RedisOptions.cluster(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("at least one Redis URI is required");
    }

    @Test
    @DisplayName("the password is in no accessor, equals, hashCode or toString; toBuilder keeps it; URI credentials are masked")
    void passwordIsNeverShown() {
        String secret = "s3cr3t-value";
        RedisOptions.Builder base = RedisOptions.standalone("rediss://h:6380").connections(3).appName("shop")
                .invalidation(RedisOptions.InvalidationMode.PUBSUB).guardPolicy(dev.exstate.guard.GuardPolicy.builder().maxRetries(0).build());
        RedisOptions o = base.credentials("svc", secret).build();
        RedisOptions other = o.toBuilder().credentials("svc", "another-one").build();

        assertThat(o).isEqualTo(other).hasSameHashCodeAs(other).isNotEqualTo(base.credentials("ops", secret).build());
        assertThat(o.toString()).doesNotContain(secret).contains("password=****");
        assertThat(o.hasPassword()).isTrue();
        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(o.toBuilder().build().password()).as("toBuilder carries the password").isEqualTo(secret);
        StartupChecks.assertAccessorsShowNoSecret(o, secret);

        RedisOptions inUri = RedisOptions.standalone("redis://svc:" + secret + "@h:6379").build();
        assertThat(inUri.uris()).containsExactly("redis://****@h:6379");
        assertThat(inUri.connectUris()).containsExactly("redis://svc:" + secret + "@h:6379");
        assertThat(inUri.hasPassword()).isFalse();
        StartupChecks.assertAccessorsShowNoSecret(inUri, secret);
        assertThat(inUri).isEqualTo(RedisOptions.standalone("redis://svc:other@h:6379").build());
    }

    @Test
    @DisplayName("durability: async by default for sessions and leases; replicas(n) per capability, 1 to 16; a bounded pool of 1 to 64 connections")
    void durability() {
        RedisOptions.Builder b = RedisOptions.standalone("redis://h:1");
        RedisOptions o = b.build();
        assertThat(o.sessionDurability()).isEqualTo(RedisDurability.async());
        assertThat(o.leaseDurability()).isEqualTo(RedisDurability.async());
        assertThat(o.waitsForReplicas()).isFalse();
        assertThat(o.durableConnections()).isEqualTo(4);
        assertThat(o.toString()).doesNotContain("Durability");

        RedisOptions durable = b.sessionDurability(RedisDurability.replicas(2)).durableConnections(8).build();
        assertThat(durable.sessionDurability().replicaCount()).isEqualTo(2);
        assertThat(durable.leaseDurability().waitsForReplicas()).isFalse();
        assertThat(durable.waitsForReplicas()).isTrue();
        assertThat(durable).isNotEqualTo(o).isEqualTo(durable.toBuilder().build());
        assertThat(durable.toString()).contains("sessionDurability=replicas(2), leaseDurability=async, durableConnections=8");

        assertThatThrownBy(() -> RedisDurability.replicas(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1 and 16, was 0").hasMessageContaining("RedisDurability.async()");
        assertThatThrownBy(() -> RedisDurability.replicas(17)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.durableConnections(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("durableConnections must be between 1 and 64, was 0");
        assertThatThrownBy(() -> b.leaseDurability(null)).isInstanceOf(NullPointerException.class);
        assertThat(RedisDurability.replicas(1)).isEqualTo(RedisDurability.replicas(1)).hasSameHashCodeAs(RedisDurability.replicas(1));
    }
}
