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
        assertThat(EtcdKeys.text(keys.configKey("feature.checkout"))).isEqualTo("/exstate/shop/config/feature.checkout");
        assertThat(keys.configKeyName(keys.configKey("a/b \u00e9"))).isEqualTo("a/b \u00e9");
        assertThat(EtcdKeys.text(keys.leaseKey("nightly report"))).isEqualTo("/exstate/shop/lease/nightly report");
        assertThat(EtcdKeys.text(keys.leaseTickKey("nightly report"))).isEqualTo("/exstate/shop/lease-tick/nightly report");
    }

    @Test
    @DisplayName("tick values are fixed-width, so etcd's byte-wise comparison orders them as numbers")
    void tickValuesOrderAsNumbers() {
        long[] ticks = {0, 9, 10, 99, 100, 29_145_678, 1L << 40, (1L << 53) - 1};
        for (int i = 1; i < ticks.length; i++) {
            String lower = EtcdKeys.text(EtcdKeys.tickValue(ticks[i - 1]));
            String higher = EtcdKeys.text(EtcdKeys.tickValue(ticks[i]));
            assertThat(lower).hasSize(16).isLessThan(higher);
        }
        assertThat(EtcdKeys.text(EtcdKeys.tickValue(42))).isEqualTo("0000000000000042");
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
        assertThat(EtcdKeys.text(keys.configKey("x".repeat(EtcdKeys.MAX_CONFIG_KEY_LENGTH)))).endsWith("x");
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

    @Test
    @DisplayName("config keys and values with unpaired surrogates, and such lease names, are refused: UTF-8 would turn them into '?'")
    void unpairedSurrogatesRefused() {
        for (String bad : new String[] {"a\uD800", "\uDC00", "x\uDBFFy", "ok\uD83D\uDE00but\uDE00"}) {
            assertThatThrownBy(() -> keys.configKey(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unpaired surrogate");
            assertThatThrownBy(() -> EtcdKeys.checkConfigValue("k", bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keys.leaseKey(bad)).isInstanceOf(dev.exstate.lease.InvalidLeaseNameException.class);
        }
        assertThat(keys.configKeyName(keys.configKey("emoji \uD83D\uDE00"))).isEqualTo("emoji \uD83D\uDE00");
    }

    @Test
    @DisplayName("bytes that are not UTF-8 are not text: two keys differing only there stay apart in descriptions")
    void malformedUtf8IsNotPatched() {
        byte[] a = {'/', 'e', 'x', 's', 't', 'a', 't', 'e', '/', 's', 'h', 'o', 'p', '/', 'c', 'o', 'n', 'f', 'i', 'g', '/', 'k', (byte) 0xFF};
        byte[] b = a.clone();
        b[b.length - 1] = (byte) 0xFE;

        assertThat(keys.configKeyName(io.etcd.jetcd.ByteSequence.from(a))).isNull();
        assertThat(EtcdKeys.text(io.etcd.jetcd.ByteSequence.from(new byte[] {(byte) 0xC3, (byte) 0x28}))).isNull();
        assertThat(keys.configKeyDescription(io.etcd.jetcd.ByteSequence.from(a))).isEqualTo("k\\xFF");
        assertThat(keys.configKeyDescription(io.etcd.jetcd.ByteSequence.from(b))).isEqualTo("k\\xFE");
        assertThat(EtcdKeys.describe(new byte[] {'a', '\\', 'x', (byte) 0xE2, (byte) 0x82})).isEqualTo("a\\\\x\\xE2\\x82");
    }
}
