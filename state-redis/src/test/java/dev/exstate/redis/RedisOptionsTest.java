package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RedisOptions")
class RedisOptionsTest {

    @Test
    @DisplayName("defaults: one connection, near cache with tracking, 1 s heartbeat, exstate prefix")
    void defaults() {
        RedisOptions o = RedisOptions.standalone("redis://localhost:6379").build();
        assertThat(o.topology()).isEqualTo(RedisOptions.Topology.STANDALONE);
        assertThat(o.connections()).isEqualTo(1);
        assertThat(o.nearCacheEnabled()).isTrue();
        assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.keyPrefix()).isEqualTo("exstate");
        assertThat(o.appName()).isNull();
        assertThat(o.toBuilder().build()).isEqualTo(o);
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
}
