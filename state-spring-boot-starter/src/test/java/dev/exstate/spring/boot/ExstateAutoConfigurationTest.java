package dev.exstate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.blob.BlobStore;
import dev.exstate.config.ConfigSource;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.health.BackendHealth;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionStore;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.ExstateShutdown;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.SmartLifecycle;

@DisplayName("exstate auto-configuration")
class ExstateAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateRedisAutoConfiguration.class, ExstateEtcdAutoConfiguration.class,
                    ExstateS3AutoConfiguration.class, ExstateAutoConfiguration.class, ExstateHealthAutoConfiguration.class))
            .withPropertyValues("exstate.app-name=shop");

    @Nested
    @DisplayName("with no backend configured")
    class NoBackend {
        @Test
        @DisplayName("the runtime keeps every capability in memory, and readiness and the health details say so")
        void everythingInMemoryAndSaidSo() {
            runner.run(ctx -> {
                StateRuntime runtime = ctx.getBean(StateRuntime.class);
                assertThat(runtime.appName()).isEqualTo("shop");
                assertThat(runtime.health().readiness().components())
                        .extracting(BackendHealth::component)
                        .containsExactlyInAnyOrder("sessions", "config", "leases", "blobs");
                assertThat(ctx).doesNotHaveBean(RedisOptions.class).doesNotHaveBean(EtcdOptions.class)
                        .doesNotHaveBean(S3Options.class).doesNotHaveBean(ExstateBackend.class);
                Health health = ctx.getBean("exstateHealthIndicator", HealthIndicator.class).health();
                assertThat(health.getStatus()).isEqualTo(Status.UP);
                assertThat(health.getDetails()).containsEntry("app", "shop");
                assertThat(health.getDetails().get("components").toString())
                        .contains("sessions={status=UP, detail=in memory, not shared between replicas}");
            });
        }

        @Test
        @DisplayName("the capability beans come from the runtime, lazily")
        void capabilityBeansComeFromTheRuntime() {
            runner.run(ctx -> {
                StateRuntime runtime = ctx.getBean(StateRuntime.class);
                assertThat(ctx.getBeanFactory().containsSingleton("exstateSessionStore")).isFalse();
                assertThat(ctx.getBean(SessionStore.class)).isSameAs(runtime.sessions());
                assertThat(ctx.getBean(ConfigSource.class)).isSameAs(runtime.config());
                assertThat(ctx.getBean(LeaseProvider.class)).isSameAs(runtime.leases());
                assertThat(ctx.getBean(LeasedScheduler.class)).isSameAs(runtime.scheduler());
                assertThat(ctx.getBean(BlobStore.class)).isSameAs(runtime.blobs());
            });
        }
    }

    @Nested
    @DisplayName("conditions")
    class Conditions {
        @Test
        @DisplayName("without the provider modules on the class path, their properties configure nothing and start-up still works")
        void noProviderClassesNoProviderBeans() {
            runner.withClassLoader(new FilteredClassLoader(RedisState.class, EtcdState.class, S3BlobStore.class))
                    .withPropertyValues("exstate.redis.uri=redis://127.0.0.1:1", "exstate.etcd.endpoints=http://127.0.0.1:1",
                            "exstate.s3.endpoint=http://127.0.0.1:1", "exstate.s3.bucket=files")
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed();
                        assertThat(ctx).doesNotHaveBean(RedisOptions.class).doesNotHaveBean(EtcdOptions.class)
                                .doesNotHaveBean(S3Options.class).doesNotHaveBean(ExstateBackend.class);
                        assertThat(ctx.getBean(StateRuntime.class).health().readiness().components())
                                .extracting(BackendHealth::detail).containsOnly("in memory, not shared between replicas");
                    });
        }

        @Test
        @DisplayName("without Actuator's health module there is no indicator, and start-up still works")
        void noHealthModuleNoIndicator() {
            runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed().hasSingleBean(StateRuntime.class);
                        assertThat(ctx).doesNotHaveBean("exstateHealthIndicator");
                    });
        }

        @Test
        @DisplayName("management.health.exstate.enabled=false turns the indicator off")
        void indicatorCanBeTurnedOff() {
            runner.withPropertyValues("management.health.exstate.enabled=false")
                    .run(ctx -> assertThat(ctx).doesNotHaveBean("exstateHealthIndicator"));
        }

        @Test
        @DisplayName("a bean the application defines wins over the auto-configured one")
        void userBeansWin() {
            SessionStore own = InMemoryBackend.create().sessionStore(dev.exstate.session.SessionOptions.defaults());
            runner.withBean("ownSessions", SessionStore.class, () -> own).run(ctx -> {
                assertThat(ctx.getBean(SessionStore.class)).isSameAs(own);
                assertThat(ctx).doesNotHaveBean("exstateSessionStore");
            });
            StateRuntime ownRuntime = StateRuntime.builder("own").build();
            RedisOptions ownOptions = RedisOptions.standalone("redis://127.0.0.1:1").appName("mine").build();
            runner.withBean(StateRuntime.class, () -> ownRuntime)
                    .withBean(RedisOptions.class, () -> ownOptions)
                    .withPropertyValues("exstate.redis.uri=redis://127.0.0.1:2")
                    .run(ctx -> {
                        assertThat(ctx.getBean(StateRuntime.class)).isSameAs(ownRuntime);
                        assertThat(ctx.getBean(RedisOptions.class)).isSameAs(ownOptions);
                        assertThat(ctx.getBean(RedisState.class).options()).isSameAs(ownOptions);
                    });
        }

        @Test
        @DisplayName("a customizer adjusts the runtime's builder after the properties")
        void customizerRunsLast() {
            GuardPolicy custom = GuardPolicy.builder().timeout(Duration.ofSeconds(1)).build();
            runner.withBean(StateRuntimeCustomizer.class, () -> b -> b.guardPolicy("custom", custom))
                    .run(ctx -> assertThat(ctx.getBean(StateRuntime.class).guard("custom").policy()).isEqualTo(custom));
        }
    }

    @Nested
    @DisplayName("leases")
    class Leases {
        @Test
        @DisplayName("go to Redis when Redis and etcd are both configured, to etcd when only etcd is")
        void redisFirstThenEtcd() {
            FakeBackend redis = FakeBackend.redis();
            FakeBackend etcd = FakeBackend.etcd();
            runner.withBean("r", ExstateBackend.class, () -> redis).withBean("e", ExstateBackend.class, () -> etcd)
                    .run(ctx -> {
                        assertThat(redis.leaseFactoriesUsed).isEqualTo(1);
                        assertThat(etcd.leaseFactoriesUsed).isZero();
                        assertThat(ctx.getBean(StateRuntime.class).config().isLoaded()).isTrue();
                    });
            FakeBackend etcdOnly = FakeBackend.etcd();
            runner.withBean("e", ExstateBackend.class, () -> etcdOnly)
                    .run(ctx -> assertThat(etcdOnly.leaseFactoriesUsed).isEqualTo(1));
        }

        @Test
        @DisplayName("exstate.leases.backend chooses etcd or memory over Redis")
        void backendPropertyChooses() {
            FakeBackend redis = FakeBackend.redis();
            FakeBackend etcd = FakeBackend.etcd();
            runner.withBean("r", ExstateBackend.class, () -> redis).withBean("e", ExstateBackend.class, () -> etcd)
                    .withPropertyValues("exstate.leases.backend=etcd")
                    .run(ctx -> {
                        assertThat(redis.leaseFactoriesUsed).isZero();
                        assertThat(etcd.leaseFactoriesUsed).isEqualTo(1);
                    });
            FakeBackend redis2 = FakeBackend.redis();
            runner.withBean("r", ExstateBackend.class, () -> redis2).withPropertyValues("exstate.leases.backend=memory")
                    .run(ctx -> {
                        assertThat(redis2.leaseFactoriesUsed).isZero();
                        assertThat(ctx.getBean(StateRuntime.class).health().readiness().components())
                                .extracting(BackendHealth::component).contains("leases");
                    });
        }
    }

    @Nested
    @DisplayName("shutdown")
    class Shutdown {
        @Test
        @DisplayName("readiness turns false before the web server drains; the runtime closes after it stopped and after plain lifecycles")
        void shutdownOrderAroundTheWebServer() {
            List<String> seen = new CopyOnWriteArrayList<>();
            FakeBackend redis = FakeBackend.redis();
            runner.withBean("r", ExstateBackend.class, () -> redis)
                    // stand-ins for Boot's WebServerGracefulShutdownLifecycle and WebServerStartStopLifecycle
                    .withBean("gracefulShutdown", SmartLifecycle.class,
                            () -> recorder("web server draining", SmartLifecycle.DEFAULT_PHASE - 1024, seen))
                    .withBean("webServer", SmartLifecycle.class,
                            () -> recorder("web server stopped", SmartLifecycle.DEFAULT_PHASE - 2048, seen))
                    .withBean("phaseZero", SmartLifecycle.class, () -> recorder("phase 0 lifecycle", 0, seen))
                    .run(ctx -> {
                        StateRuntime runtime = ctx.getBean(StateRuntime.class);
                        seen.add(state("running", runtime));
                        ctx.close();
                        seen.add(state("closed", runtime) + ", backend closed=" + redis.closed.get());
                    });
            assertThat(seen).containsExactly(
                    "running: ready=true, alive=true",
                    "web server draining: ready=false, alive=true",
                    "web server stopped: ready=false, alive=true",
                    "phase 0 lifecycle: ready=false, alive=true",
                    "closed: ready=false, alive=false, backend closed=true");
        }

        @Test
        @DisplayName("the drain step runs after the default phase and before the graceful shutdown; the close step after phase 0")
        void phases() {
            assertThat(ExstateShutdown.DRAIN_PHASE).isLessThan(SmartLifecycle.DEFAULT_PHASE)
                    .isGreaterThan(SmartLifecycle.DEFAULT_PHASE - 1024);
            assertThat(ExstateShutdown.CLOSE_PHASE).isLessThan(0);
        }
    }

    @Test
    @DisplayName("health details name each backend's component and hold no secret")
    void healthDetailsHoldNoSecrets() {
        FakeBackend redis = FakeBackend.redis();
        runner.withBean("r", ExstateBackend.class, () -> redis)
                .withPropertyValues("exstate.redis.password=Never-Shown-5", "exstate.s3.secret-key=Never-Shown-6")
                .run(ctx -> {
                    ctx.getBean(StateRuntime.class).guard("redis");
                    Health health = ctx.getBean("exstateHealthIndicator", HealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> components = (Map<String, Object>) health.getDetails().get("components");
                    assertThat(components).containsKeys("redis", "config", "blobs");
                    assertThat(health.toString()).doesNotContain("Never-Shown");
                });
    }

    private static SmartLifecycle recorder(String name, int phase, List<String> seen) {
        return new Recorder(name, phase, seen);
    }

    /** A lifecycle bean of some phase that records what the runtime said when it was stopped. */
    static final class Recorder implements SmartLifecycle, ApplicationContextAware {
        private final String name;
        private final int phase;
        private final List<String> seen;
        private volatile boolean running;
        private volatile ApplicationContext context;

        Recorder(String name, int phase, List<String> seen) {
            this.name = name;
            this.phase = phase;
            this.seen = seen;
        }

        @Override
        public void setApplicationContext(ApplicationContext context) {
            this.context = context;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            seen.add(state(name, context.getBean(StateRuntime.class)));
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return phase;
        }
    }

    private static String state(String when, StateRuntime runtime) {
        return when + ": ready=" + runtime.health().readiness().up() + ", alive=" + runtime.health().liveness().up();
    }
}
