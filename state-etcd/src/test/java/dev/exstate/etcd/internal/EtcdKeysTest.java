package dev.exstate.etcd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EtcdKeysTest {
    private final EtcdKeys keys = new EtcdKeys("/exstate/", "shop");

    @Test
    @DisplayName("config and lease keys live under <prefix><app>/config/ and /lease/, and key names round-trip")
    void layout() {
        assertThat(keys.configPrefix()).isEqualTo("/exstate/shop/config/");
        assertThat(keys.leasePrefix()).isEqualTo("/exstate/shop/lease/");
        assertThat(EtcdKeys.string(keys.configKey("feature.checkout"))).isEqualTo("/exstate/shop/config/feature.checkout");
        assertThat(keys.configKeyName(keys.configKey("a/b \u00e9"))).isEqualTo("a/b \u00e9");
        assertThat(EtcdKeys.string(keys.leaseKey("nightly report"))).isEqualTo("/exstate/shop/lease/nightly report");
        assertThat(EtcdKeys.string(keys.leaseTickKey("nightly report"))).isEqualTo("/exstate/shop/lease-tick/nightly report");
    }

    @Test
    @DisplayName("tick values are fixed-width, so etcd's byte-wise comparison orders them as numbers")
    void tickValuesOrderAsNumbers() {
        long[] ticks = {0, 9, 10, 99, 100, 29_145_678, 1L << 40, (1L << 53) - 1};
        for (int i = 1; i < ticks.length; i++) {
            String lower = EtcdKeys.string(EtcdKeys.tickValue(ticks[i - 1]));
            String higher = EtcdKeys.string(EtcdKeys.tickValue(ticks[i]));
            assertThat(lower).hasSize(16).isLessThan(higher);
        }
        assertThat(EtcdKeys.string(EtcdKeys.tickValue(42))).isEqualTo("0000000000000042");
        assertThatThrownBy(() -> EtcdKeys.tickValue(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("blank, over-long and control-character config keys are refused")
    void badConfigKeys() {
        assertThatThrownBy(() -> keys.configKey("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.configKey("  ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.configKey("x".repeat(EtcdKeys.MAX_CONFIG_KEY_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys.configKey("a\tb")).isInstanceOf(IllegalArgumentException.class);
        assertThat(EtcdKeys.string(keys.configKey("x".repeat(EtcdKeys.MAX_CONFIG_KEY_LENGTH)))).endsWith("x");
    }

    @Test
    @DisplayName("a key outside the config prefix is never taken for a config key")
    void foreignKeyIsRefused() {
        assertThatThrownBy(() -> keys.configKeyName(EtcdKeys.bytes("/exstate/other/config/a")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("lease TTLs are whole seconds, rounded up, at least one")
    void ttlSeconds() {
        assertThat(EtcdLeaseBackend.ttlSeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(EtcdLeaseBackend.ttlSeconds(Duration.ofMillis(1000))).isEqualTo(1);
        assertThat(EtcdLeaseBackend.ttlSeconds(Duration.ofMillis(1001))).isEqualTo(2);
        assertThat(EtcdLeaseBackend.ttlSeconds(Duration.ofSeconds(30))).isEqualTo(30);
    }
}
