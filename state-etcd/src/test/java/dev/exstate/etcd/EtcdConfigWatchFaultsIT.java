package dev.exstate.etcd;

import static dev.exstate.etcd.EtcdTesting.putUntilAcknowledged;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdTesting.Recorder;
import dev.exstate.health.BackendHealth;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.StartupChecks;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The config watch under real faults: etcd killed and restarted, a lossy link (latency and
 * resets), and compaction while a replica is cut off. In every case each listener must end on the
 * final value, see revisions in increasing order and never see a change twice.
 */
@DisplayName("EtcdConfigSource keeps every listener in step through faults")
class EtcdConfigWatchFaultsIT {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int UPDATES = 1000;

    @RegisterExtension
    static final EtcdFixture<EtcdServer> fixture = EtcdFixture.serverPerTest("watch");
    private EtcdServer etcd;
    private FaultProxy proxy;
    private EtcdState direct;
    private EtcdState viaProxy;

    @BeforeEach
    void start() {
        etcd = fixture.closeAfter(EtcdServer.builder().start());
        proxy = fixture.closeAfter(FaultProxy.to(etcd.host(), etcd.clientPort()));
        direct = fixture.state(fixture.options(etcd.endpoint()));
        // same application, reached through the fault proxy
        viaProxy = fixture.state(fixture.options("http://" + proxy.hostAndPort()));
    }

    private static ConditionFactory eventually() {
        return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10));
    }

    /** Every listener ends on {@code last}, with strictly increasing revisions and counter values. */
    private static void assertInStep(List<Recorder> recorders, EtcdConfigSource source, int last) {
        for (Recorder r : recorders) {
            eventually().untilAsserted(() -> assertThat(r.lastValue("counter")).contains(Integer.toString(last)));
        }
        for (Recorder r : recorders) {
            assertThat(r.revisions()).as("revisions seen by a listener").isSorted().doesNotHaveDuplicates();
            List<Integer> counters = r.values("counter").stream().map(Integer::parseInt).toList();
            assertThat(counters).as("counter values seen by a listener").isSorted().doesNotHaveDuplicates();
            for (int i = 1; i < r.changes.size(); i++) {
                assertThat(r.changes.get(i).previous()).as("change %d continues from change %d", i, i - 1)
                        .isEqualTo(r.changes.get(i - 1).current());
            }
        }
        assertThat(source.current().get("counter")).contains(Integer.toString(last));
    }

    private static Recorder listening(EtcdConfigSource source) {
        Recorder recorder = new Recorder();
        source.subscribe(recorder);
        return recorder;
    }

    private EtcdConfigSource loaded(EtcdState state) {
        EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll());
        eventually().untilAsserted(() -> assertThat(source.current().get("counter")).contains("0"));
        return source;
    }

    @Test
    @DisplayName("1,000 updates while etcd is killed twice and restarted: listeners end on the last value, in order, without duplicates")
    void thousandUpdatesThroughKillAndRestart() throws Exception {
        EtcdConfigAdmin admin = direct.admin();
        admin.put("counter", "0");
        try (EtcdConfigSource source = loaded(direct)) {
            Recorder first = listening(source);
            Recorder second = listening(source);
            long reloadsBefore = source.reloads();

            CompletableFuture<Long> restarted = CompletableFuture.completedFuture(0L);
            List<Integer> firstValuesAfterKill = new ArrayList<>();
            List<CompletableFuture<Long>> backAt = new ArrayList<>();
            for (int i = 1; i <= UPDATES; i++) {
                if (i == UPDATES / 3 || i == 2 * UPDATES / 3) {
                    restarted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    etcd.kill();
                    // the writer keeps trying while etcd is down, as a real client would
                    restarted = StartupChecks.startLater(Duration.ofMillis(700), etcd::restart)
                            .thenApply(restartedNow -> System.nanoTime());
                    firstValuesAfterKill.add(i);
                    backAt.add(restarted);
                }
                putUntilAcknowledged(admin, "counter", Integer.toString(i), PATIENCE);
            }
            restarted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            assertInStep(List.of(first, second), source, UPDATES);
            for (int k = 0; k < backAt.size(); k++) {
                long back = backAt.get(k).get();
                System.out.printf("kill/restart: the first value written after the kill reached the listener %d ms after "
                        + "etcd was back%n", TimeUnit.NANOSECONDS.toMillis(first.arrivalOf("counter", firstValuesAfterKill.get(k)) - back));
            }
            System.out.printf("kill/restart: %d changes delivered, %d re-reads%n", first.changes.size(),
                    source.reloads() - reloadsBefore);
            assertThat(source.reloads()).as("re-read after each restart").isGreaterThanOrEqualTo(reloadsBefore + 2);
        }
    }

    @Test
    @DisplayName("1,000 updates over a link with 20 ms latency that is reset every 200 updates: listeners end on the last value, in order, without duplicates")
    void thousandUpdatesThroughLatencyAndResets() {
        EtcdConfigAdmin admin = direct.admin();
        admin.put("counter", "0");
        try (EtcdConfigSource source = loaded(viaProxy)) {
            Recorder first = listening(source);
            Recorder second = listening(source);
            long reloadsBefore = source.reloads();
            proxy.latency(Duration.ofMillis(20));

            for (int i = 1; i <= UPDATES; i++) {
                if (i % 200 == 0) {
                    proxy.resetAll();
                }
                putUntilAcknowledged(admin, "counter", Integer.toString(i), PATIENCE);
            }

            assertInStep(List.of(first, second), source, UPDATES);
            assertThat(source.reloads()).as("re-read after resets").isGreaterThan(reloadsBefore);
            System.out.printf("latency+resets: %d changes delivered, %d re-reads%n", first.changes.size(),
                    source.reloads() - reloadsBefore);
        }
    }

    @Test
    @DisplayName("compaction past the revision of a cut-off replica: once the link heals it re-reads and reaches the current state")
    void compactionWhileCutOff() throws Exception {
        EtcdConfigAdmin admin = direct.admin();
        admin.putAll(Map.of("counter", "0", "doomed", "x"));
        try (EtcdConfigSource source = loaded(viaProxy)) {
            Recorder recorder = listening(source);
            long cutAt = source.current().revision();
            long reloadsBefore = source.reloads();

            proxy.blackhole(true);
            long last = 0;
            for (int i = 1; i <= 50; i++) {
                last = admin.put("counter", Integer.toString(i));
            }
            last = Math.max(last, admin.delete("doomed"));
            etcd.etcdctl("compact", Long.toString(last)).requireSuccess();
            assertThat(last).isGreaterThan(cutAt + 1);
            long healedAt = System.nanoTime();
            proxy.heal();

            eventually().untilAsserted(() -> assertThat(recorder.lastValue("counter"))
                    .as(() -> source.health() + ", reloads " + source.reloads() + ", " + proxy)
                    .contains("50"));
            System.out.printf("compaction while cut off: current state %d ms after the link healed%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healedAt));
            assertThat(source.current().get("doomed")).isEmpty();
            assertThat(source.current().revision()).isGreaterThanOrEqualTo(last);
            assertThat(recorder.revisions()).isSorted().doesNotHaveDuplicates();
            assertThat(source.reloads()).isGreaterThan(reloadsBefore);
        }
    }

    @Test
    @DisplayName("a black-holed watch is found stalled within two progress intervals (health DEGRADED), and after healing a change made meanwhile arrives")
    void stalledWatchIsDetected() {
        EtcdConfigAdmin admin = direct.admin();
        admin.put("counter", "0");
        try (EtcdConfigSource source = loaded(viaProxy)) {
            eventually().until(() -> source.health().status() == BackendHealth.Status.UP);
            long cutAt = System.nanoTime();
            proxy.blackhole(true);

            // two progress intervals (1 s) nominally; 10 s is generous yet well before the gRPC keepalive (15 s) would notice
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> source.health().status() == BackendHealth.Status.DEGRADED);
            long detectedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
            admin.put("counter", "1");
            proxy.heal();

            eventually().untilAsserted(() -> assertThat(source.current().get("counter")).contains("1"));
            eventually().until(() -> source.health().status() == BackendHealth.Status.UP);
            System.out.printf("black-holed watch: DEGRADED after %d ms; in step again %d ms after the cut%n",
                    detectedAfter, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt));
        }
    }
}
