package dev.exstate.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.codec.Codec;
import dev.exstate.config.ConfigListener;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.time.ManualClock;
import dev.exstate.time.StateClock;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class StateRuntimeTest {
    private final List<StateRuntime> runtimes = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeRuntimes() {
        runtimes.forEach(StateRuntime::close);
    }

    private StateRuntime track(StateRuntime r) {
        runtimes.add(r);
        return r;
    }

    /** A runtime whose four providers record when they are closed. */
    private StateRuntime recordingRuntime() {
        InMemoryBackend backend = InMemoryBackend.create();
        return track(StateRuntime.builder("shop")
                .config(ctx -> new RecordingConfig(backend.configSource(ConfigValidator.acceptAll()), events))
                .leases(ctx -> new RecordingLeases(events))
                .sessions(ctx -> new RecordingSessions(events))
                .blobs(ctx -> new RecordingBlobs(events))
                .build());
    }

    @Nested
    @DisplayName("app name")
    class AppName {

        @ParameterizedTest
        @NullSource
        @ValueSource(strings = {"", "Shop", "shop_cart", "shop cart", "shop:1", "a-very-long-application-name-over-forty-c"})
        @DisplayName("an app name outside [a-z0-9-]{1,40} is refused with the rule in the message")
        void invalidAppNamesAreRefused(String name) {
            assertThatThrownBy(() -> StateRuntime.builder(name))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("a-z, 0-9 and '-'");
        }

        @Test
        void validAppNameIsKept() {
            StateRuntime r = track(StateRuntime.builder("shop-api-2").build());

            assertThat(r.appName()).isEqualTo("shop-api-2");
        }
    }

    @Nested
    @DisplayName("close()")
    class Close {

        @Test
        @DisplayName("turns readiness off first, then closes leases, sessions, blobs, config, then turns liveness off")
        void closesInOrder() {
            StateRuntime r = recordingRuntime();
            RecordingLeases leases = (RecordingLeases) r.leases();
            leases.onClose = () -> events.add("ready=" + r.health().readiness().up()
                    + " alive=" + r.health().liveness().up());
            assertThat(r.health().readiness().up()).isTrue();

            r.close();

            assertThat(events).containsExactly("ready=false alive=true", "leases", "sessions", "blobs", "config");
            assertThat(r.health().liveness().up()).isFalse();
            assertThat(r.health().readiness().up()).isFalse();
        }

        @Test
        @DisplayName("a step that throws is logged and the later steps still run")
        void failingStepDoesNotStopLaterSteps() {
            StateRuntime r = recordingRuntime();
            ((RecordingSessions) r.sessions()).failOnClose = true;

            assertThatCode(r::close).doesNotThrowAnyException();

            assertThat(events).containsExactly("leases", "sessions", "blobs", "config");
            assertThat(r.health().liveness().up()).isFalse();
        }

        @Test
        @DisplayName("a scheduled job still running at close() finishes before the leases are released")
        void schedulerStopsBeforeLeasesAreReleased() throws Exception {
            InMemoryBackend backend = InMemoryBackend.create();
            StateRuntime r = track(StateRuntime.builder("shop").inMemory(backend)
                    .leases(ctx -> new RecordingLeases(events, backend.leaseProvider()))
                    .build());
            CountDownLatch running = new CountDownLatch(1);
            r.scheduler().scheduleWithFixedDelay("report", Duration.ofMinutes(1), ctx -> {
                running.countDown();
                // hand back work once the replica drains, as a well-behaved job does
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                        .until(() -> !r.health().readiness().up());
                events.add("job finished");
            });
            assertThat(running.await(30, TimeUnit.SECONDS)).as("job started").isTrue();

            r.close();

            assertThat(events).containsExactly("job finished", "leases");
            assertThat(r.scheduler()).isNotNull();
        }

        @Test
        void isIdempotent() {
            StateRuntime r = recordingRuntime();

            r.close();
            r.close();

            assertThat(events).containsExactly("leases", "sessions", "blobs", "config");
        }

        @Test
        @DisplayName("providers already built are still returned, but nothing new is created after close")
        void nothingNewAfterClose() {
            StateRuntime r = track(StateRuntime.builder("shop").build());
            ConfigSource config = r.config();
            r.guard("redis");

            r.close();

            assertThat(r.config()).isSameAs(config);
            assertThatThrownBy(r::blobs).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> r.guard("etcd")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Nested
    @DisplayName("guards")
    class Guards {

        @Test
        @DisplayName("providers on the same backend share one guard, with the policy configured for it")
        void oneGuardPerBackend() {
            GuardPolicy redisPolicy = GuardPolicy.builder().timeout(Duration.ofMillis(100)).build();
            AtomicReference<Guard> fromSessions = new AtomicReference<>();
            AtomicReference<Guard> fromLeases = new AtomicReference<>();
            StateRuntime r = track(StateRuntime.builder("shop")
                    .guardPolicy("redis", redisPolicy)
                    .sessions(ctx -> {
                        fromSessions.set(ctx.guard("redis"));
                        return new RecordingSessions(events);
                    })
                    .leases(ctx -> {
                        fromLeases.set(ctx.guard("redis"));
                        return new RecordingLeases(events);
                    })
                    .build());

            assertThat(fromSessions.get()).isNotNull().isSameAs(fromLeases.get()).isSameAs(r.guard("redis"));
            assertThat(r.guard("redis").policy()).isEqualTo(redisPolicy);
            assertThat(r.guard("redis").backend()).isEqualTo("redis");
            assertThat(r.guard("s3")).isNotSameAs(r.guard("redis"));
            assertThat(r.guard("s3").policy()).isEqualTo(GuardPolicy.defaults());
        }

        @Test
        @DisplayName("a provider's default policy applies unless the user configured one for that backend")
        void providerDefaultPolicyYieldsToUserPolicy() {
            GuardPolicy slowTransfers = GuardPolicy.builder().timeout(Duration.ofSeconds(10)).totalTimeout(Duration.ofSeconds(30)).build();
            GuardPolicy userPolicy = GuardPolicy.builder().timeout(Duration.ofSeconds(3)).totalTimeout(Duration.ofSeconds(6)).build();
            AtomicReference<Guard> blobGuard = new AtomicReference<>();
            AtomicReference<Guard> leaseGuard = new AtomicReference<>();
            track(StateRuntime.builder("shop")
                    .guardPolicy("etcd", userPolicy)
                    .blobs(ctx -> {
                        blobGuard.set(ctx.guard("s3", slowTransfers));
                        return new RecordingBlobs(events);
                    })
                    .leases(ctx -> {
                        leaseGuard.set(ctx.guard("etcd", slowTransfers));
                        return new RecordingLeases(events);
                    })
                    .build());

            assertThat(blobGuard.get().policy()).isEqualTo(slowTransfers);
            assertThat(leaseGuard.get().policy()).isEqualTo(userPolicy);
        }

        @Nested
        @DisplayName("one rule for every provider's policy")
        class PolicyRule {
            private final GuardPolicy providerDefault = GuardPolicy.builder().timeout(Duration.ofSeconds(10))
                    .totalTimeout(Duration.ofSeconds(30)).build();
            private final GuardPolicy fromOptions = GuardPolicy.builder().timeout(Duration.ofMillis(1111)).build();
            private final GuardPolicy fromRuntime = GuardPolicy.builder().timeout(Duration.ofMillis(2222))
                    .totalTimeout(Duration.ofSeconds(5)).build();

            /** A runtime whose session provider asks for its guard as the provider modules do. */
            private StateRuntime.Builder withProvider(GuardPolicy optionsPolicy, AtomicReference<Guard> seen) {
                return StateRuntime.builder("shop").sessions(ctx -> {
                    seen.set(ctx.guard("redis", providerDefault, optionsPolicy));
                    return new RecordingSessions(events);
                });
            }

            @Test
            @DisplayName("a policy set in the provider's options is the guard's policy when the runtime sets none")
            void optionsPolicyIsUsed() {
                AtomicReference<Guard> guard = new AtomicReference<>();
                StateRuntime r = track(withProvider(fromOptions, guard).build());

                assertThat(guard.get().policy()).isEqualTo(fromOptions);
                assertThat(r.guard("redis")).isSameAs(guard.get());
            }

            @Test
            @DisplayName("the runtime's policy for the backend is the guard's policy when the options keep the provider's default")
            void runtimePolicyIsUsed() {
                AtomicReference<Guard> guard = new AtomicReference<>();
                track(withProvider(providerDefault, guard).guardPolicy("redis", fromRuntime).build());

                assertThat(guard.get().policy()).isEqualTo(fromRuntime);
            }

            @Test
            @DisplayName("with neither set the provider's default applies; with both set to the same policy that one")
            void defaultAndAgreement() {
                AtomicReference<Guard> neither = new AtomicReference<>();
                AtomicReference<Guard> both = new AtomicReference<>();
                track(withProvider(providerDefault, neither).build());
                track(withProvider(fromRuntime, both).guardPolicy("redis", fromRuntime).build());

                assertThat(neither.get().policy()).isEqualTo(providerDefault);
                assertThat(both.get().policy()).isEqualTo(fromRuntime);
            }

            @Test
            @DisplayName("different policies in the runtime and in the provider's options fail the build, naming both")
            void runtimeAndOptionsConflict() {
                StateRuntime.Builder b = withProvider(fromOptions, new AtomicReference<>()).guardPolicy("redis", fromRuntime);

                assertThatThrownBy(b::build)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("conflicting guard policies for backend 'redis'")
                        .hasMessageContaining("timeout=PT2.222S")
                        .hasMessageContaining("timeout=PT1.111S")
                        .hasMessageContaining("set it in one place");
            }

            @Test
            @DisplayName("two providers whose options set different policies for one backend fail the build")
            void twoProvidersConflict() {
                GuardPolicy other = GuardPolicy.builder().timeout(Duration.ofMillis(3333)).totalTimeout(Duration.ofSeconds(5)).build();
                StateRuntime.Builder b = withProvider(fromOptions, new AtomicReference<>())
                        .leases(ctx -> {
                            ctx.guard("redis", providerDefault, other);
                            return new RecordingLeases(events);
                        });

                assertThatThrownBy(b::build)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("conflicting guard policies for backend 'redis'")
                        .hasMessageContaining("set by a provider's options")
                        .hasMessageContaining("timeout=PT3.333S");
            }
        }

        @Test
        void eachGuardIsOneReadinessIndicator() {
            StateRuntime r = track(StateRuntime.builder("shop").build());
            int before = r.health().readiness().components().size();

            r.guard("redis");
            r.guard("redis");
            r.guard("s3");

            assertThat(r.health().readiness().components()).hasSize(before + 2);
        }
    }

    @Nested
    @DisplayName("defaults")
    class Defaults {

        @Test
        @DisplayName("capabilities not configured run on the given in-memory backend, and share its data")
        void defaultsUseTheGivenInMemoryBackend() {
            InMemoryBackend backend = InMemoryBackend.create();
            backend.putConfig("feature.x", "on");
            StateRuntime r = track(StateRuntime.builder("shop").inMemory(backend).build());

            assertThat(r.config().current().require("feature.x")).isEqualTo("on");
            backend.putConfig("feature.x", "off");
            assertThat(r.config().current().require("feature.x")).isEqualTo("off");
            assertThat(r.config()).isSameAs(r.config());
        }

        @Test
        void withoutAnythingConfiguredConfigIsLoadedAndReady() {
            StateRuntime r = track(StateRuntime.builder("shop").build());

            assertThat(r.config().isLoaded()).isTrue();
            assertThat(r.config().current().values()).isEmpty();
            assertThat(r.health().readiness().up()).isTrue();
            assertThat(r.blobs()).isSameAs(r.blobs());
        }

        @Test
        @DisplayName("sessions and leases default to the shared in-memory backend; close() releases the runtime's leases")
        void sessionsAndLeasesDefaultToTheSharedBackend() {
            InMemoryBackend backend = InMemoryBackend.create();
            StateRuntime r = track(StateRuntime.builder("shop").inMemory(backend).build());
            LeaseProvider otherReplica = backend.leaseProvider();
            try {
                Session session = r.sessions().create();
                assertThat(backend.sessionStore(SessionOptions.defaults()).find(session.id())).isPresent();
                assertThat(r.leases().tryAcquire("report", Duration.ofSeconds(30))).isPresent();
                assertThat(otherReplica.tryAcquire("report", Duration.ofSeconds(30))).isEmpty();

                r.close();

                assertThat(otherReplica.tryAcquire("report", Duration.ofSeconds(30))).isPresent();
            } finally {
                otherReplica.close();
            }
        }

        @Test
        void schedulerIsCreatedOnceOverTheRuntimesLeases() {
            StateRuntime r = track(StateRuntime.builder("shop").build());

            assertThat(r.scheduler()).isSameAs(r.scheduler());
        }

        @Test
        @DisplayName("scheduler settings given to the builder shape the runtime's scheduler")
        void schedulerSettingsAreApplied() throws Exception {
            InMemoryBackend backend = InMemoryBackend.create();
            StateRuntime r = track(StateRuntime.builder("shop").inMemory(backend)
                    .scheduler(b -> b.leasePrefix("ops:").leaseTtl(Duration.ofSeconds(30)))
                    .build());
            LeaseProvider otherReplica = backend.leaseProvider();
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            try {
                r.scheduler().scheduleAtFixedRate("report", Duration.ofHours(1), ctx -> {
                    running.countDown();
                    release.await();
                });
                assertThat(running.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

                // the running job holds its lease under the configured prefix
                assertThat(otherReplica.tryAcquire("ops:report", Duration.ofSeconds(30))).isEmpty();
            } finally {
                release.countDown();
                otherReplica.close();
            }
        }

        @Test
        @DisplayName("a bad scheduler setting fails when the scheduler is first used, naming the setting")
        void badSchedulerSettingFails() {
            StateRuntime r = track(StateRuntime.builder("shop").scheduler(b -> b.leaseTtl(Duration.ofMillis(1))).build());

            assertThatThrownBy(r::scheduler).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTtl");
        }

        @Test
        @DisplayName("the runtime's clock is the in-memory backend's unless one is set")
        void clockDefaultsToTheBackendsClock() {
            StateClock fixed = new ManualClock();
            InMemoryBackend backend = InMemoryBackend.create(fixed);
            AtomicReference<StateContext> seen = new AtomicReference<>();
            track(StateRuntime.builder("shop").inMemory(backend)
                    .blobs(ctx -> {
                        seen.set(ctx);
                        return new RecordingBlobs(events);
                    })
                    .build());

            assertThat(seen.get().clock()).isSameAs(fixed);
            assertThat(seen.get().appName()).isEqualTo("shop");
        }
    }

    @Nested
    @DisplayName("config and readiness")
    class ConfigReadiness {

        @Test
        @DisplayName("a config source without a first snapshot makes the replica not ready")
        void unloadedConfigMeansNotReady() {
            InMemoryBackend backend = InMemoryBackend.create();
            backend.putConfig("limit", "-1");
            StateRuntime r = track(StateRuntime.builder("shop")
                    .config(ctx -> backend.configSource(s -> {
                        if (s.getInt("limit", 0) < 0) {
                            throw new ConfigValidationException("limit must be >= 0");
                        }
                    }))
                    .build());

            assertThat(r.health().readiness().up()).isFalse();
            assertThat(r.health().readiness().reasons()).anySatisfy(reason ->
                    assertThat(reason).contains("no config snapshot loaded yet"));

            backend.putConfig("limit", "5");

            assertThat(r.health().readiness().up()).isTrue();
        }

        @Test
        void providersCanAddHealthIndicators() {
            StateRuntime r = track(StateRuntime.builder("shop")
                    .blobs(ctx -> {
                        ctx.registerHealth(() -> BackendHealth.down("s3", "unreachable"));
                        return new RecordingBlobs(events);
                    })
                    .build());

            assertThat(r.health().readiness().reasons()).contains("s3: unreachable");
        }
    }

    @Nested
    @DisplayName("build()")
    class Build {

        @Test
        @DisplayName("a configured factory that fails makes build() fail and closes what was built")
        void failingFactoryClosesWhatWasBuilt() {
            InMemoryBackend backend = InMemoryBackend.create();
            StateRuntime.Builder b = StateRuntime.builder("shop")
                    .config(ctx -> new RecordingConfig(backend.configSource(ConfigValidator.acceptAll()), events))
                    .leases(ctx -> {
                        throw new IllegalArgumentException("bad redis uri");
                    });

            assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class).hasMessage("bad redis uri");
            assertThat(events).containsExactly("config");
        }

        @Test
        void factoryReturningNullIsRefused() {
            StateRuntime.Builder b = StateRuntime.builder("shop").sessions(ctx -> null);

            assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("session store");
        }
    }

    @Nested
    @DisplayName("capabilities kept in memory")
    class InMemoryCapabilities {

        private StateRuntime.Builder withEnvironment(String requireShared) {
            return StateRuntime.builder("shop").environment(name ->
                    StateRuntime.REQUIRE_SHARED_BACKENDS_ENV.equals(name) ? requireShared : null);
        }

        /** What {@code action} wrote to System.err, where slf4j-simple logs. */
        private String stderrOf(Runnable action) {
            java.io.PrintStream original = System.err;
            java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            try {
                action.run();
            } finally {
                System.setErr(original);
            }
            return captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Test
        @DisplayName("readiness lists each capability not configured as in memory, and stays UP")
        void readinessShowsInMemoryCapabilities() {
            StateRuntime r = track(withEnvironment(null).leases(ctx -> new RecordingLeases(events)).build());

            var ready = r.health().readiness();

            assertThat(ready.up()).isTrue();
            assertThat(ready.components())
                    .filteredOn(c -> c.detail().equals("in memory, not shared between replicas"))
                    .extracting(BackendHealth::component)
                    .containsExactly("config", "sessions", "blobs");
            assertThat(ready.components()).allMatch(c -> c.status() == BackendHealth.Status.UP);
        }

        @Test
        @DisplayName("the first use of a capability kept in memory logs one WARN naming it; later uses log nothing")
        void firstUseOfInMemoryCapabilityWarnsOnce() {
            StateRuntime r = track(withEnvironment(null).build());

            String first = stderrOf(() -> r.sessions().create());
            String again = stderrOf(() -> {
                r.sessions().create();
                r.sessions();
            });
            String leases = stderrOf(() -> r.leases().tryAcquire("report", Duration.ofSeconds(30)));

            assertThat(first.lines().filter(l -> l.contains("WARN")).toList()).singleElement().satisfies(line ->
                    assertThat(line).contains("'shop'", "sessions", "not shared between replicas",
                            StateRuntime.REQUIRE_SHARED_BACKENDS_ENV));
            assertThat(again).doesNotContain("WARN");
            assertThat(leases.lines().filter(l -> l.contains("WARN")).toList()).singleElement().satisfies(line ->
                    assertThat(line).contains("leases"));
        }

        @Test
        @DisplayName("requireSharedBackends() makes build() fail, naming each capability not configured")
        void requireSharedBackendsFailsBuild() {
            StateRuntime.Builder b = withEnvironment(null)
                    .inMemory(InMemoryBackend.create())
                    .config(ctx -> new RecordingConfig(InMemoryBackend.create().configSource(ConfigValidator.acceptAll()), events))
                    .requireSharedBackends();

            assertThatThrownBy(b::build)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'shop' requires shared backends")
                    .hasMessageContaining("sessions, leases, blobs are not configured")
                    .hasMessageNotContaining("config,");
            assertThat(events).as("nothing was built").isEmpty();
        }

        @Test
        @DisplayName("requireSharedBackends(capabilities) checks only those; all configured builds normally")
        void requireSomeSharedBackends() {
            assertThatThrownBy(() -> withEnvironment(null)
                    .requireSharedBackends(StateRuntime.Capability.SESSIONS, StateRuntime.Capability.LEASES)
                    .leases(ctx -> new RecordingLeases(events))
                    .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("sessions is not configured");

            StateRuntime r = track(withEnvironment(null)
                    .requireSharedBackends(StateRuntime.Capability.SESSIONS, StateRuntime.Capability.LEASES)
                    .leases(ctx -> new RecordingLeases(events))
                    .sessions(ctx -> new RecordingSessions(events))
                    .build());
            assertThat(r.health().readiness().up()).isTrue();
        }

        @ParameterizedTest
        @ValueSource(strings = {"true", "TRUE", " true "})
        @DisplayName("EXSTATE_REQUIRE_SHARED_BACKENDS=true makes build() fail like requireSharedBackends()")
        void environmentVariableRequiresAll(String value) {
            assertThatThrownBy(() -> withEnvironment(value).sessions(ctx -> new RecordingSessions(events)).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("config, leases, blobs are not configured");
        }

        @Test
        @DisplayName("EXSTATE_REQUIRE_SHARED_BACKENDS may list capabilities; false, blank or unset require nothing")
        void environmentVariableListsAndOff() {
            assertThatThrownBy(() -> withEnvironment("Sessions, leases").sessions(ctx -> new RecordingSessions(events)).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("leases is not configured");
            for (String off : new String[] {null, "", "  ", "false", "FALSE"}) {
                assertThatCode(() -> track(withEnvironment(off).build())).as("value '%s'", off).doesNotThrowAnyException();
            }
        }

        @Test
        @DisplayName("an unknown EXSTATE_REQUIRE_SHARED_BACKENDS value fails build() with the accepted values")
        void environmentVariableTypo() {
            assertThatThrownBy(() -> withEnvironment("sesions").build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("EXSTATE_REQUIRE_SHARED_BACKENDS='sesions'")
                    .hasMessageContaining("sessions, config, leases, blobs");
        }
    }

    // ---- fakes: not backends, just providers that record when they are closed ----

    static final class RecordingLeases implements LeaseProvider {
        private final List<String> events;
        private final LeaseProvider delegate;
        volatile Runnable onClose = () -> { };

        RecordingLeases(List<String> events) {
            this(events, null);
        }

        RecordingLeases(List<String> events, LeaseProvider delegate) {
            this.events = events;
            this.delegate = delegate;
        }

        @Override
        public Optional<Lease> tryAcquire(String name, LeaseOptions options) {
            if (delegate == null) {
                throw new UnsupportedOperationException("not used in this test");
            }
            return delegate.tryAcquire(name, options);
        }

        @Override
        public void close() {
            onClose.run();
            events.add("leases");
            if (delegate != null) {
                delegate.close();
            }
        }
    }

    static final class RecordingSessions implements SessionStore {
        private final List<String> events;
        volatile boolean failOnClose;

        RecordingSessions(List<String> events) {
            this.events = events;
        }

        @Override public Session create() { throw new UnsupportedOperationException("not used in this test"); }
        @Override public Optional<Session> find(SessionId id) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public void save(Session session) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public <T> T compute(SessionId id, String name, Codec<T> codec, UnaryOperator<T> fn) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public void invalidate(SessionId id) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public SessionId rotateId(SessionId id) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public SessionOptions options() { return SessionOptions.defaults(); }

        @Override
        public void close() {
            events.add("sessions");
            if (failOnClose) {
                throw new IllegalStateException("flush failed");
            }
        }
    }

    static final class RecordingBlobs implements BlobStore {
        private final List<String> events;

        RecordingBlobs(List<String> events) {
            this.events = events;
        }

        @Override public BlobInfo put(String key, InputStream content, long length, PutOptions options) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public Optional<Blob> get(String key) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public Optional<Blob> get(String key, BlobRange range) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public Optional<BlobInfo> stat(String key) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public void delete(String key) { throw new UnsupportedOperationException("not used in this test"); }
        @Override public BlobPage list(String prefix, String continuationToken, int maxKeys) { throw new UnsupportedOperationException("not used in this test"); }

        @Override
        public void close() {
            events.add("blobs");
        }
    }

    static final class RecordingConfig implements ConfigSource {
        private final ConfigSource delegate;
        private final List<String> events;

        RecordingConfig(ConfigSource delegate, List<String> events) {
            this.delegate = delegate;
            this.events = events;
        }

        @Override public ConfigSnapshot current() { return delegate.current(); }
        @Override public boolean isLoaded() { return delegate.isLoaded(); }
        @Override public AutoCloseable subscribe(ConfigListener listener) { return delegate.subscribe(listener); }
        @Override public Optional<ConfigRejection> lastRejection() { return delegate.lastRejection(); }
        @Override public BackendHealth health() { return delegate.health(); }

        @Override
        public void close() {
            events.add("config");
            delegate.close();
        }
    }
}
