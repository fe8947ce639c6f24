package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigValidator;
import dev.exstate.guard.GuardStats;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.testkit.backend.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile input against a real etcd: sizes etcd or gRPC refuse, bytes that are not UTF-8, names
 * UTF-8 cannot carry. Each is the caller's (or the data's) error, reported by a typed exception or
 * a rejection that names the key, and none is counted by the guard as an etcd outage.
 */
@DisplayName("etcd providers with hostile input")
class EtcdBadInputIT {
    private static final int MIB = 1024 * 1024;
    @RegisterExtension
    static final EtcdFixture<EtcdServer> etcd = EtcdFixture.single("bad");

    private static void assertNoOutageCounted(EtcdState state) {
        GuardStats stats = state.guard().stats();
        assertThat(stats.failures()).as("calls counted as etcd failures").isZero();
        assertThat(stats.retries()).as("retries").isZero();
        assertThat(stats.breakerState()).isEqualTo("CLOSED");
    }

    private static void rawPut(byte[] key, byte[] value) throws Exception {
        etcd.raw().getKVClient().put(ByteSequence.from(key), ByteSequence.from(value)).get(10, TimeUnit.SECONDS);
    }

    private static byte[] concat(String text, byte... tail) {
        byte[] head = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    @Test
    @DisplayName("a put etcd refuses as too large is an IllegalArgumentException naming the size and limit, never retried or counted")
    void tooLargePutIsTheCallersError() {
        EtcdState state = etcd.state();
        EtcdConfigAdmin admin = state.admin();
        String twoMiB = "x".repeat(2 * MIB);

        for (int i = 0; i < 6; i++) {
            assertThatThrownBy(() -> admin.put("big", twoMiB))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("config.put of key 'big'")
                    .hasMessageContaining(String.valueOf(2 * MIB))
                    .hasMessageContaining("--max-request-bytes");
            assertThatThrownBy(() -> admin.putAll(Map.of("a", twoMiB, "b", "small")))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--max-request-bytes");
        }
        // far over the limit gRPC itself refuses the message; still the caller's error
        assertThatThrownBy(() -> admin.put("huge", "y".repeat(8 * MIB))).isExactlyInstanceOf(IllegalArgumentException.class);

        assertNoOutageCounted(state);
        assertThat(admin.list().values()).doesNotContainKeys("big", "a", "b", "huge");
        admin.put("small", "ok");
        assertThat(admin.list().get("small")).contains("ok");
    }

    @Test
    @DisplayName("a transaction over etcd's --max-txn-ops is an IllegalArgumentException, never retried or counted; nothing is written")
    void tooManyKeysInOneTransaction() {
        EtcdState state = etcd.state();
        Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i < 200; i++) {
            many.put("k" + i, "v");
        }

        for (int i = 0; i < 6; i++) {
            assertThatThrownBy(() -> state.admin().putAll(many))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--max-txn-ops");
        }

        assertNoOutageCounted(state);
        assertThat(state.admin().list().values()).isEmpty();
    }

    @Test
    @DisplayName("a config prefix over 4 MiB loads (gRPC's 4 MiB default is raised); under a smaller maxInboundMessageSize start-up names the option")
    void configLargerThanGrpcDefaultLoads() {
        EtcdOptions.Builder options = etcd.options();
        EtcdState writer = etcd.state(options);
        String oneMiB = "v".repeat(MIB);
        for (int i = 0; i < 5; i++) {
            writer.admin().put("blob-" + i, oneMiB);
        }

        EtcdConfigSource source = etcd.closeAfter(etcd.state(options).configSource(ConfigValidator.acceptAll()));
        assertThat(source.current().values()).hasSize(5);
        assertThat(source.current().get("blob-4")).contains(oneMiB);

        EtcdState small = etcd.state(options.maxInboundMessageSize(4 * MIB).startupTimeout(Duration.ofSeconds(3)));
        assertThatThrownBy(() -> small.configSource(ConfigValidator.acceptAll()))
                .isInstanceOf(StateUnavailableException.class)
                .hasMessageContaining("maxInboundMessageSize");
        assertNoOutageCounted(small);
        assertThatThrownBy(() -> small.admin().list())
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxInboundMessageSize (" + 4 * MIB + " bytes");
    }

    @Test
    @DisplayName("keys and values that are not UTF-8 are never patched: the state is rejected naming each key, the last good one stays")
    void malformedUtf8IsRejectedNotPatched() throws Exception {
        EtcdState state = etcd.state();
        EtcdConfigAdmin admin = state.admin();
        admin.put("limit", "5");
        EtcdConfigSource source = etcd.closeAfter(state.configSource(ConfigValidator.acceptAll()));
        ConfigSnapshot good = source.current();
        String prefix = admin.prefix();

        // two keys that differ only in an invalid byte, and a value that is not UTF-8
        rawPut(concat(prefix + "k", (byte) 0xFF), "one".getBytes(StandardCharsets.UTF_8));
        rawPut(concat(prefix + "k", (byte) 0xFE), "two".getBytes(StandardCharsets.UTF_8));
        rawPut((prefix + "v").getBytes(StandardCharsets.UTF_8), new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28});

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(source.lastRejection()).hasValueSatisfying(r ->
                assertThat(r.problems()).hasSize(3)
                        .anySatisfy(p -> assertThat(p).contains("'k\\xFF'"))
                        .anySatisfy(p -> assertThat(p).contains("'k\\xFE'"))
                        .anySatisfy(p -> assertThat(p).contains("value of config key 'v'"))));
        assertThat(source.current()).isEqualTo(good);
        assertThat(source.current().values()).doesNotContainKey("k\uFFFD");
        assertThatThrownBy(admin::list).isExactlyInstanceOf(IllegalStateException.class).hasMessageContaining("not valid UTF-8");

        // a replica started now sees the same: nothing loaded, the rejection says why
        EtcdConfigSource late = etcd.closeAfter(etcd.state()
                .configSource(ConfigValidator.acceptAll()));
        assertThat(late.isLoaded()).isFalse();
        assertThat(late.lastRejection().orElseThrow().problems()).hasSize(3);

        etcd.raw().getKVClient().delete(ByteSequence.from(concat(prefix + "k", (byte) 0xFF))).get(10, TimeUnit.SECONDS);
        etcd.raw().getKVClient().delete(ByteSequence.from(concat(prefix + "k", (byte) 0xFE))).get(10, TimeUnit.SECONDS);
        admin.put("v", "text again");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(source.current().get("v")).contains("text again"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(late.current().get("v")).contains("text again"));
        assertThat(source.current().get("limit")).contains("5");
        assertNoOutageCounted(state);
    }

    @Test
    @DisplayName("config keys and values with unpaired surrogates are refused before a write, so no '?' key appears")
    void unpairedSurrogatesRefused() {
        EtcdState state = etcd.state();
        EtcdConfigAdmin admin = state.admin();

        assertThatThrownBy(() -> admin.put("key\uD800", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> admin.put("key", "value\uDC00")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admin.putAll(Map.of("ok", "1", "bad\uDBFF", "2"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> state.leaseProvider().tryAcquire("job\uD800", Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(admin.list().values()).isEmpty();
        assertThat(EtcdTesting.rawGet(etcd.raw(), admin.prefix() + "key?")).isEmpty();
        assertThat(state.guard().stats().calls()).as("nothing was sent but the list").isEqualTo(1);
    }

    @Test
    @DisplayName("a validator throwing StackOverflowError does not end the watch: a later change is still delivered")
    void validatorErrorDoesNotEndTheWatch() {
        EtcdState state = etcd.state();
        EtcdConfigAdmin admin = state.admin();
        admin.put("n", "1");
        EtcdConfigSource source = etcd.closeAfter(state.configSource(s -> {
            if ("boom".equals(s.values().get("n"))) {
                throw new StackOverflowError();
            }
        }));
        EtcdTesting.Recorder r = new EtcdTesting.Recorder();
        source.subscribe(r);

        admin.put("n", "boom");
        await().atMost(Duration.ofSeconds(15)).until(() -> source.lastRejection().isPresent());
        admin.put("n", "2");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(r.lastValue("n")).contains("2"));
        assertThat(r.values("n")).doesNotContain("boom");
    }
}
