package dev.exstate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.FileConfigSource;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.spring.boot.LiveConfigFixtures.ImmutableShop;
import dev.exstate.spring.boot.LiveConfigFixtures.OtherProperties;
import dev.exstate.spring.boot.LiveConfigFixtures.Recorder;
import dev.exstate.spring.boot.LiveConfigFixtures.ShopProperties;
import dev.exstate.spring.boot.internal.ExstateConfigPropertySource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Live config on the in-memory config backend (through a customizer) and on a file: the property
 * source, rebinding of {@code @ConfigurationProperties} beans, the change event, the validator,
 * precedence, and what is read only once.
 */
@DisplayName("live config in the Environment")
@ExtendWith(OutputCaptureExtension.class)
class ExstateLiveConfigTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Refuses a discount over 100: such a snapshot must never reach a bean. */
    private static final ConfigValidator DISCOUNT_AT_MOST_100 = snapshot -> snapshot.get("shop.discount-percent")
            .filter(v -> v.matches("\\d+") && Integer.parseInt(v) > 100)
            .ifPresent(v -> {
                throw new ConfigValidationException("shop.discount-percent must be at most 100");
            });

    private final InMemoryBackend memory = InMemoryBackend.create();

    private final ApplicationContextRunner base = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class, ExstateConfigAutoConfiguration.class))
            .withUserConfiguration(ShopApp.class)
            .withPropertyValues("exstate.app-name=shop", "shop.discount-percent=5", "other.name=x");

    /** The runtime's config is the in-memory backend's, configured like etcd would be (validator included). */
    private final ApplicationContextRunner runner = base.withBean("memoryConfig", StateRuntimeCustomizer.class,
            () -> b -> b.config(ctx -> memory.configSource(DISCOUNT_AT_MOST_100)));

    @Nested
    @DisplayName("at start-up")
    class StartUp {
        @Test
        @DisplayName("a bean created before the runtime still gets the live values, and the Environment shows them")
        void beanCreatedBeforeTheRuntimeGetsLiveValues() {
            memory.putConfig(Map.of("shop.discount-percent", "10", "shop.greeting", "hello from etcd"));
            runner.run(ctx -> {
                assertThat(ctx).hasNotFailed();
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                assertThat(shop.createdBeforeRuntime).as("precondition: bound before the source existed").isTrue();
                assertThat(shop.getDiscountPercent()).isEqualTo(10);
                assertThat(shop.getGreeting()).isEqualTo("hello from etcd");
                assertThat(ctx.getEnvironment().getProperty("shop.discount-percent")).isEqualTo("10");
                assertThat(ctx.getEnvironment().getPropertySources().contains(ExstateConfigPropertySource.NAME)).isTrue();
            });
        }

        @Test
        @DisplayName("a constructor-bound bean created before the runtime keeps the other sources' values, with a WARN naming it")
        void constructorBoundCreatedEarlyIsWarnedAbout(CapturedOutput output) {
            memory.putConfig("shop.discount-percent", "10");
            runner.run(ctx -> {
                assertThat(ctx.getBean(ShopProperties.class).createdBeforeRuntime).as("precondition").isTrue();
                assertThat(ctx.getBean(ImmutableShop.class).discountPercent()).isEqualTo(5);
                assertThat(output.getAll()).contains("is constructor-bound and was created before the live config was attached",
                        "shop.discount-percent");
            });
        }

        @Test
        @DisplayName("the property source is attached as soon as the runtime exists: a bean made right after it reads live values")
        void attachedWhenTheRuntimeIsCreated() {
            memory.putConfig("shop.discount-percent", "10");
            runner.withUserConfiguration(LateReaderApp.class).run(ctx ->
                    assertThat(ctx.getBean(LateReader.class).seen).isEqualTo("10"));
        }

        @Test
        @DisplayName("a live value a bean cannot bind fails start-up, naming the property")
        void badLiveValueFailsStartUp() {
            memory.putConfig("shop.max-items", "many");
            runner.run(ctx -> {
                assertThat(ctx).hasFailed();
                assertThat(allMessages(ctx.getStartupFailure())).contains("shop.max-items");
            });
        }

        @Test
        @DisplayName("without a config backend there is no live property source, and no in-memory config is created for it")
        void noBackendNoPropertySource() {
            base.run(ctx -> {
                assertThat(ctx).hasNotFailed();
                assertThat(ctx.getEnvironment().getPropertySources().contains(ExstateConfigPropertySource.NAME)).isFalse();
                AtomicBoolean configBuilt = new AtomicBoolean();
                ctx.getBean(StateRuntime.class).onBuilt(part -> {
                    if (part instanceof ConfigSource) {
                        configBuilt.set(true);
                    }
                });
                assertThat(configBuilt).isFalse();
                assertThat(ctx.getBean(ShopProperties.class).getDiscountPercent()).isEqualTo(5);
            });
        }
    }

    @Nested
    @DisplayName("on a change")
    class OnChange {
        @Test
        @DisplayName("@ConfigurationProperties beans are rebound, then an event carries the changed keys and revisions")
        void rebindThenEvent() {
            memory.putConfig("shop.discount-percent", "10");
            runner.run(ctx -> {
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                Recorder recorder = ctx.getBean(Recorder.class);
                long before = ctx.getBean(ConfigSource.class).current().revision();

                memory.putConfig(Map.of("shop.discount-percent", "15", "shop.greeting", "spring sale"));

                await().atMost(PATIENCE).until(() -> recorder.last() != null);
                ExstateConfigChangedEvent event = recorder.last();
                assertThat(event.changedKeys()).containsExactlyInAnyOrder("shop.discount-percent", "shop.greeting");
                assertThat(event.previousRevision()).isEqualTo(before);
                assertThat(event.revision()).isGreaterThan(before).isEqualTo(ctx.getBean(ConfigSource.class).current().revision());
                // rebound before the event was published
                assertThat(shop.getDiscountPercent()).isEqualTo(15);
                assertThat(shop.getGreeting()).isEqualTo("spring sale");
                assertThat(ctx.getEnvironment().getProperty("shop.discount-percent")).isEqualTo("15");
                assertThat(recorder.events).hasSize(1);
            });
        }

        @Test
        @DisplayName("a key added later is seen, through relaxed binding (shop.max-items binds maxItems)")
        void keyAddedLater() {
            runner.run(ctx -> {
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                memory.putConfig("shop.max-items", "42");
                await().atMost(PATIENCE).until(() -> shop.getMaxItems() == 42);
                assertThat(ctx.getEnvironment().getProperty("shop.max-items")).isEqualTo("42");
            });
        }

        @Test
        @DisplayName("a snapshot the validator refuses changes nothing: beans, Environment and events keep the last good one")
        void rejectedSnapshotKeepsLastGood() {
            memory.putConfig("shop.discount-percent", "10");
            runner.run(ctx -> {
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                Recorder recorder = ctx.getBean(Recorder.class);
                ConfigSource source = ctx.getBean(ConfigSource.class);

                memory.putConfig(Map.of("shop.discount-percent", "500", "shop.greeting", "rides along"));
                await().atMost(PATIENCE).until(() -> source.rejectedSnapshots() == 1);

                assertThat(shop.getDiscountPercent()).isEqualTo(10);
                assertThat(shop.getGreeting()).isEqualTo("default greeting");
                assertThat(ctx.getEnvironment().getProperty("shop.discount-percent")).isEqualTo("10");
                assertThat(ctx.getEnvironment().getProperty("shop.greeting")).isNull();
                assertThat(recorder.events).isEmpty();

                // the next good snapshot applies
                memory.putConfig("shop.discount-percent", "20");
                await().atMost(PATIENCE).until(() -> shop.getDiscountPercent() == 20);
                assertThat(recorder.events).hasSize(1);
            });
        }

        @Test
        @DisplayName("a value a bean cannot bind leaves all its previous values, logs the key without the value, and later changes still apply")
        void badValueKeepsPreviousValues(CapturedOutput output) {
            memory.putConfig("shop.discount-percent", "10");
            runner.run(ctx -> {
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                Recorder recorder = ctx.getBean(Recorder.class);

                memory.putConfig(Map.of("shop.discount-percent", "20", "shop.secret-pin", "hunter2-not-a-number"));
                await().atMost(PATIENCE).until(() -> recorder.events.size() == 1);
                assertThat(shop.getDiscountPercent()).as("kept: the new values are tried on a fresh instance first").isEqualTo(10);
                assertThat(shop.getSecretPin()).isZero();
                assertThat(output.getAll()).contains("keeps its previous values", "shop.secret-pin")
                        .doesNotContain("hunter2");

                memory.putConfig("shop.secret-pin", "1234");
                await().atMost(PATIENCE).until(() -> shop.getSecretPin() == 1234);
                assertThat(shop.getDiscountPercent()).isEqualTo(20);
            });
        }

        @Test
        @DisplayName("only beans whose prefix covers a changed key are bound again")
        void onlyAffectedBeansAreRebound() {
            runner.run(ctx -> {
                OtherProperties other = ctx.getBean(OtherProperties.class);
                Recorder recorder = ctx.getBean(Recorder.class);
                int binds = other.binds.get();
                memory.putConfig("shop.discount-percent", "30");
                await().atMost(PATIENCE).until(() -> recorder.events.size() == 1);
                assertThat(other.binds.get()).isEqualTo(binds);

                memory.putConfig("other.name", "y");
                await().atMost(PATIENCE).until(() -> "y".equals(other.getName()));
            });
        }

        @Test
        @DisplayName("a live key removed falls back to the value of the next source (application properties)")
        void removedKeyFallsBack() {
            memory.putConfig("shop.discount-percent", "10");
            runner.run(ctx -> {
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                assertThat(shop.getDiscountPercent()).isEqualTo(10);
                memory.deleteConfig("shop.discount-percent");
                await().atMost(PATIENCE).until(() -> shop.getDiscountPercent() == 5);
                assertThat(ctx.getBean(Recorder.class).last().changedKeys()).containsExactly("shop.discount-percent");
            });
        }

        @Test
        @DisplayName("@Value fields and constructor-bound properties keep their start-up values (read once)")
        void valueAndConstructorBoundAreReadOnce(CapturedOutput output) {
            memory.putConfig(Map.of("shop.discount-percent", "10", "shop.banner", "opening"));
            runner.run(ctx -> {
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                int constructorBoundAtStart = ctx.getBean(ImmutableShop.class).discountPercent();
                assertThat(ctx.getBean(BannerHolder.class).banner).as("made after the runtime: live at start").isEqualTo("opening");

                memory.putConfig(Map.of("shop.discount-percent", "25", "shop.banner", "closing"));
                await().atMost(PATIENCE).until(() -> shop.getDiscountPercent() == 25);

                assertThat(shop.getBanner()).isEqualTo("closing");
                assertThat(ctx.getBean(BannerHolder.class).banner).isEqualTo("opening");
                assertThat(ctx.getBean(ImmutableShop.class).discountPercent()).isEqualTo(constructorBoundAtStart);
                assertThat(output.getAll()).contains("is constructor-bound and keeps the values it was created with");
            });
        }
    }

    @Nested
    @DisplayName("precedence")
    class Precedence {
        @Test
        @DisplayName("by default (first) a live value overrides application properties")
        void firstByDefault() {
            memory.putConfig("shop.discount-percent", "10");
            runner.run(ctx -> {
                assertThat(ctx.getBean(ShopProperties.class).getDiscountPercent()).isEqualTo(10);
                assertThat(ctx.getEnvironment().getPropertySources().stream().map(p -> p.getName()).toList())
                        .as("first after Boot's relaxed view of all sources").element(1).isEqualTo(ExstateConfigPropertySource.NAME);
            });
        }

        @Test
        @DisplayName("last: application properties win, and keys only the live config has are still seen")
        void last() {
            memory.putConfig(Map.of("shop.discount-percent", "10", "shop.greeting", "live only"));
            runner.withPropertyValues("exstate.config.property-source=last").run(ctx -> {
                ShopProperties shop = ctx.getBean(ShopProperties.class);
                assertThat(shop.getDiscountPercent()).isEqualTo(5);
                assertThat(shop.getGreeting()).isEqualTo("live only");
                List<String> names = ctx.getEnvironment().getPropertySources().stream().map(p -> p.getName()).toList();
                assertThat(names.get(names.size() - 1)).isEqualTo(ExstateConfigPropertySource.NAME);

                memory.putConfig("shop.greeting", "changed");
                await().atMost(PATIENCE).until(() -> "changed".equals(shop.getGreeting()));
            });
        }

        @Test
        @DisplayName("none: no property source and no rebinding; the ConfigSource bean still serves the config")
        void none() {
            memory.putConfig("shop.discount-percent", "10");
            runner.withPropertyValues("exstate.config.property-source=none").run(ctx -> {
                assertThat(ctx.getEnvironment().getPropertySources().contains(ExstateConfigPropertySource.NAME)).isFalse();
                assertThat(ctx.getBean(ShopProperties.class).getDiscountPercent()).isEqualTo(5);
                assertThat(ctx.getBean(ConfigSource.class).current().get("shop.discount-percent")).contains("10");
            });
        }

        @Test
        @DisplayName("an unknown precedence fails start-up naming the property")
        void unknownPrecedence() {
            runner.withPropertyValues("exstate.config.property-source=middle").run(ctx -> {
                assertThat(ctx).hasFailed();
                assertThat(allMessages(ctx.getStartupFailure())).contains("exstate.config.property-source");
            });
        }
    }

    @Nested
    @DisplayName("from a file (exstate.config.file)")
    class FromFile {
        @TempDir
        Path dir;

        @Test
        @DisplayName("the file is the runtime's config: bound at start, rebound when it changes, a refused version keeps the last good one")
        void fileConfig() throws IOException {
            Path file = dir.resolve("app.properties");
            write(file, "shop.discount-percent=7\n");
            base.withPropertyValues("exstate.config.file=" + file, "exstate.config.file-poll-interval=100ms")
                    .withBean(ConfigValidator.class, () -> DISCOUNT_AT_MOST_100)
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed();
                        assertThat(ctx.getBean(ConfigSource.class)).isInstanceOf(FileConfigSource.class);
                        assertThat(ctx.getBean(StateRuntime.class).health().readiness().components())
                                .anySatisfy(h -> assertThat(h.component()).isEqualTo("config:file"));
                        ShopProperties shop = ctx.getBean(ShopProperties.class);
                        assertThat(shop.getDiscountPercent()).isEqualTo(7);

                        write(file, "shop.discount-percent=8\n");
                        await().atMost(PATIENCE).until(() -> shop.getDiscountPercent() == 8);

                        ConfigSource source = ctx.getBean(ConfigSource.class);
                        write(file, "shop.discount-percent=800\n");
                        await().atMost(PATIENCE).until(() -> source.rejectedSnapshots() >= 1);
                        assertThat(shop.getDiscountPercent()).isEqualTo(8);
                        assertThat(ctx.getEnvironment().getProperty("shop.discount-percent")).isEqualTo("8");
                    });
        }

        @Test
        @DisplayName("a file and etcd together fail start-up, naming both properties, before etcd is contacted")
        void fileAndEtcdFail() {
            base.withPropertyValues("exstate.config.file=" + dir.resolve("app.properties"), "exstate.etcd.endpoints=http://127.0.0.1:1")
                    .withConfiguration(AutoConfigurations.of(ExstateEtcdAutoConfiguration.class))
                    .run(ctx -> {
                        assertThat(ctx).hasFailed();
                        assertThat(allMessages(ctx.getStartupFailure())).contains("exstate.config.file", "exstate.etcd.endpoints");
                    });
        }

        @Test
        @DisplayName("a poll interval out of range fails start-up naming the property")
        void badPollInterval() {
            base.withPropertyValues("exstate.config.file=" + dir.resolve("app.properties"), "exstate.config.file-poll-interval=1ms")
                    .run(ctx -> {
                        assertThat(ctx).hasFailed();
                        assertThat(allMessages(ctx.getStartupFailure())).contains("exstate.config.file-poll-interval");
                    });
        }

        private static void write(Path file, String content) throws IOException {
            // whole or not at all, so the watcher never reads half a file
            Path tmp = Files.createTempFile(file.getParent(), "next", ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String allMessages(Throwable t) {
        List<String> out = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            out.add(String.valueOf(c.getMessage()));
        }
        return String.join("\n", out);
    }

    /** @Value is resolved once, when the bean is created (here after the runtime, which it takes). */
    static final class BannerHolder {
        final String banner;

        BannerHolder(String banner) {
            this.banner = banner;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ImmutableShop.class, OtherProperties.class})
    static class ShopApp {
        @Bean
        ShopProperties shopProperties(ConfigurableListableBeanFactory beanFactory, ImmutableShop madeFirst) {
            ShopProperties p = new ShopProperties();
            p.createdBeforeRuntime = !beanFactory.containsSingleton("exstateRuntime");
            return p;
        }

        @Bean
        BannerHolder bannerHolder(StateRuntime runtime, @Value("${shop.banner:none}") String banner) {
            return new BannerHolder(banner);
        }

        @Bean
        Recorder recorder() {
            return new Recorder();
        }
    }

    /** Made right after the runtime: reads the Environment in its constructor. */
    static final class LateReader {
        final String seen;

        LateReader(String seen) {
            this.seen = seen;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class LateReaderApp {
        @Bean
        LateReader lateReader(StateRuntime runtime, Environment env) {
            return new LateReader(env.getProperty("shop.discount-percent"));
        }
    }
}
