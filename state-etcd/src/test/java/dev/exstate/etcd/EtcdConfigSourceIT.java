package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdTesting.Recorder;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What EtcdConfigSource, EtcdConfigAdmin and EtcdState promise beyond the contract suites. */
@DisplayName("EtcdConfigSource beyond the contract")
class EtcdConfigSourceIT {
    @RegisterExtension
    static final EtcdFixture<EtcdServer> etcd = EtcdFixture.single("it");

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10));
    }

    @Nested
    @DisplayName("start-up")
    class StartUp {

        /** A proxy in front of the class's etcd that refuses connections until it is healed; closed after the test. */
        private FaultProxy refusingProxy() {
            return etcd.closeAfter(FaultProxy.to(etcd.backend().host(), etcd.backend().clientPort())).refuseNew(true);
        }

        @Test
        @DisplayName("etcd unreachable at start: the defaults are served as revision 0 with health DEGRADED, until etcd answers")
        void defaultsWhileUnreachable() {
            FaultProxy proxy = refusingProxy();
            EtcdOptions options = EtcdTesting.options("http://" + proxy.hostAndPort())
                    .startupTimeout(Duration.ofMillis(500))
                    .defaults(Map.of("feature.checkout", "off"))
                    .build();
            EtcdOptions directOptions = EtcdTesting.options(etcd.backend().endpoint()).appName(options.appName()).build();
            try (EtcdState state = EtcdState.connect(options);
                 EtcdState direct = EtcdState.connect(directOptions);
                 EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll())) {
                assertThat(source.isLoaded()).isTrue();
                assertThat(source.current()).isEqualTo(new ConfigSnapshot(0, Map.of("feature.checkout", "off")));
                assertThat(source.health().status()).isEqualTo(BackendHealth.Status.DEGRADED);
                assertThat(source.health().detail()).contains("default", "/exstate/" + options.appName() + "/config/");

                direct.admin().put("feature.checkout", "on");
                proxy.heal();

                eventually().untilAsserted(() -> assertThat(source.current().get("feature.checkout")).contains("on"));
                assertThat(source.current().revision()).isPositive();
                eventually().until(() -> source.health().status() == BackendHealth.Status.UP);
            }
        }

        @Test
        @DisplayName("etcd unreachable at start and no defaults: building the source fails after the start-up timeout, naming the prefix")
        void failsWithoutDefaults() {
            FaultProxy proxy = refusingProxy();
            EtcdOptions options = EtcdTesting.options("http://" + proxy.hostAndPort())
                    .startupTimeout(Duration.ofMillis(500)).build();
            try (EtcdState state = EtcdState.connect(options)) {
                StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class,
                        () -> state.configSource(ConfigValidator.acceptAll()));
                assertThat(e.getMessage())
                        .contains("/exstate/" + options.appName() + "/config/")
                        .contains("within startupTimeout 500 ms")
                        .contains("Check that etcd runs there");
                // the first connection was retried (pauses of at least 50 ms), and the time is reported as spent
                assertThat(e.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
            }
        }

        @Test
        @DisplayName("with a zero start-up timeout the source returns at once, not loaded and DOWN, and loads when etcd answers")
        void zeroTimeoutReturnsAtOnce() {
            FaultProxy proxy = refusingProxy();
            EtcdOptions options = EtcdTesting.options("http://" + proxy.hostAndPort()).startupTimeout(Duration.ZERO).build();
            try (EtcdState state = EtcdState.connect(options);
                 EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll())) {
                assertThat(source.isLoaded()).isFalse();
                assertThatThrownBy(source::current).isInstanceOf(ConfigNotLoadedException.class)
                        .hasMessageContaining("etcd /exstate/" + options.appName() + "/config/");
                assertThat(source.health().status()).isEqualTo(BackendHealth.Status.DOWN);
                assertThat(source.health().detail()).contains("not in step");

                proxy.heal();

                eventually().until(source::isLoaded);
                eventually().until(() -> source.health().status() == BackendHealth.Status.UP);
            }
        }
    }

    @Nested
    @DisplayName("changes")
    class Changes {

        @Test
        @DisplayName("putAll is one revision and reaches a listener as one change; a put of the value already there delivers nothing")
        void transactionIsOneChangeAndNoOpIsNothing() {
            try (EtcdState state = EtcdState.connect(EtcdTesting.options(etcd.backend().endpoint()).build());
                 EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll())) {
                EtcdConfigAdmin admin = state.admin();
                Recorder recorder = new Recorder();
                source.subscribe(recorder);

                long revision = admin.putAll(Map.of("a", "1", "b", "2", "c", "3"));
                admin.put("a", "1");
                admin.put("marker", "done");

                eventually().until(() -> recorder.lastValue("marker").isPresent());
                assertThat(recorder.changes).hasSize(2);
                assertThat(recorder.changes.get(0).current().revision()).isEqualTo(revision);
                assertThat(recorder.changes.get(0).changedKeys()).containsExactlyInAnyOrder("a", "b", "c");
                assertThat(recorder.changes.get(1).changedKeys()).containsExactly("marker");
            }
        }

        @Test
        @DisplayName("an idle watch on a healthy etcd answers its progress requests: no re-read for many intervals, and a later change arrives")
        void idleWatchStaysInStep() {
            // 1 s intervals: a progress answer (or a consistency check) a second late would still count as in step
            try (EtcdState state = EtcdState.connect(EtcdTesting.options(etcd.backend().endpoint())
                    .watchProgressInterval(Duration.ofSeconds(1)).watchVerifyInterval(Duration.ofSeconds(1)).build());
                 EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll())) {
                long reloads = source.reloads();

                // 4 progress intervals and 4 consistency checks
                await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> source.reloads() == reloads && source.health().status() == BackendHealth.Status.UP);
                state.admin().put("late", "yes");

                eventually().untilAsserted(() -> assertThat(source.current().get("late")).contains("yes"));
                assertThat(source.reloads()).isEqualTo(reloads);
            }
        }

        @Test
        @DisplayName("the admin lists, deletes and clears exactly the keys under its application's prefix")
        void adminListsAndDeletesUnderItsPrefix() {
            try (EtcdState state = EtcdState.connect(EtcdTesting.options(etcd.backend().endpoint()).build())) {
                EtcdConfigAdmin admin = state.admin();
                EtcdConfigAdmin neighbour = state.admin(EtcdTesting.uniqueApp());
                admin.putAll(Map.of("a", "1", "b", "2"));
                neighbour.put("a", "other app");

                ConfigSnapshot listed = admin.list();
                assertThat(listed.values()).containsOnly(Map.entry("a", "1"), Map.entry("b", "2"));
                assertThat(etcd.backend().get(admin.prefix() + "a")).contains("1");

                long afterDelete = admin.delete("a");
                assertThat(admin.list().values()).containsOnly(Map.entry("b", "2"));
                assertThat(admin.list().revision()).isGreaterThanOrEqualTo(afterDelete);

                admin.deleteAll();
                assertThat(admin.list().values()).isEmpty();
                assertThat(neighbour.list().values()).containsOnly(Map.entry("a", "other app"));
                assertThatThrownBy(() -> admin.put(" ", "x")).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> admin.put("bad\nkey", "x")).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    @DisplayName("with etcd authentication on, a user with rights on the prefix reads, watches and leases; a wrong password fails without showing it")
    void authenticatedUser() {
        try (EtcdServer secured = EtcdServer.builder().name("secured").start()) {
            String app = EtcdTesting.uniqueApp();
            secured.addUser("svc", "svc-pw", "/exstate/" + app + "/");
            secured.enableAuth("root-pw");

            EtcdOptions options = EtcdTesting.options(secured.endpoint()).appName(app).credentials("svc", "svc-pw").build();
            try (EtcdState state = EtcdState.connect(options);
                 EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll());
                 EtcdLeaseProvider leases = state.leaseProvider()) {
                state.admin().put("feature.checkout", "on");
                eventually().untilAsserted(() -> assertThat(source.current().get("feature.checkout")).contains("on"));
                assertThat(leases.tryAcquire("report", Duration.ofSeconds(5))).isPresent();
            }

            EtcdOptions wrong = options.toBuilder().credentials("svc", "not-the-password").startupTimeout(Duration.ofSeconds(2)).build();
            try (EtcdState state = EtcdState.connect(wrong)) {
                assertThatThrownBy(state::admin)
                        .isInstanceOf(StateAccessDeniedException.class)
                        .hasMessageNotContaining("not-the-password");
                assertThatThrownBy(() -> state.configSource(ConfigValidator.acceptAll()))
                        .isInstanceOf(StateAccessDeniedException.class)
                        .hasMessageNotContaining("not-the-password");
            }
        }
    }

    @Test
    @DisplayName("the client is shared and reference counted: after EtcdState.close() nothing new is built, "
            + "providers built before keep working, and the client closes with the last of them")
    void clientIsReferenceCounted() {
        EtcdState state = EtcdState.connect(EtcdTesting.options(etcd.backend().endpoint()).build());
        EtcdConfigAdmin admin = state.admin();
        EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll());

        state.close();
        state.close();

        assertThatThrownBy(() -> state.configSource(ConfigValidator.acceptAll())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(state::leaseProvider).isInstanceOf(IllegalStateException.class);
        admin.put("still", "works");
        eventually().untilAsserted(() -> assertThat(source.current().get("still")).contains("works"));

        source.close();

        assertThatThrownBy(() -> admin.put("after", "close")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("in a StateRuntime: a guard policy set in EtcdOptions is the policy of the runtime's etcd guard; a different one in the runtime fails the build")
    void optionsGuardPolicyUnderRuntime() {
        GuardPolicy distinctive = EtcdTesting.policy().toBuilder().timeout(Duration.ofMillis(4321)).build();
        EtcdOptions options = EtcdTesting.options(etcd.backend().endpoint()).guardPolicy(distinctive).build();
        try (EtcdState etcdState = EtcdState.connect(options)) {
            try (StateRuntime runtime = StateRuntime.builder("shop-it")
                    .config(etcdState.config(ConfigValidator.acceptAll()))
                    .leases(etcdState.leases())
                    .build()) {
                assertThat(runtime.guard(EtcdState.BACKEND).policy()).isEqualTo(distinctive);
                assertThat(runtime.guard(EtcdState.BACKEND).policy().timeout()).isEqualTo(Duration.ofMillis(4321));
                assertThat(runtime.guard(EtcdState.BACKEND).stats().calls()).as("the first read went through it").isPositive();
            }

            assertThatThrownBy(() -> StateRuntime.builder("shop-it")
                    .guardPolicy(EtcdState.BACKEND, EtcdTesting.policy())
                    .leases(etcdState.leases())
                    .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("conflicting guard policies for backend 'etcd'")
                    .hasMessageContaining("timeout=PT4.321S");
        }
    }

    @Test
    @DisplayName("in a StateRuntime: readiness waits for the first snapshot, leases use the runtime's app name, and close releases them")
    void worksInsideAStateRuntime() {
        EtcdOptions options = EtcdTesting.options(etcd.backend().endpoint()).appName(null).build();
        try (EtcdState etcdState = EtcdState.connect(options)) {
            etcdState.admin("shop-it").put("feature.checkout", "on");
            Lease lease;
            try (StateRuntime runtime = StateRuntime.builder("shop-it")
                    .config(etcdState.config(ConfigValidator.acceptAll()))
                    .leases(etcdState.leases())
                    .build()) {
                assertThat(runtime.health().readiness().up()).isTrue();
                assertThat(runtime.config().current().get("feature.checkout")).contains("on");
                lease = runtime.leases().tryAcquire("report", Duration.ofSeconds(5)).orElseThrow();
                assertThat(etcd.backend().get("/exstate/shop-it/lease/report")).isPresent();
            }
            assertThat(lease.isValid()).isFalse();
            assertThat(etcd.backend().get("/exstate/shop-it/lease/report")).isEmpty();
            etcdState.admin("shop-it").deleteAll();
        }
    }
}
