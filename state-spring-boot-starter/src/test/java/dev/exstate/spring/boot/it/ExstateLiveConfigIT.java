package dev.exstate.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdConfigAdmin;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.spring.boot.ExstateConfigChangedEvent;
import dev.exstate.spring.boot.LiveConfigFixtures.ShopProperties;
import dev.exstate.testkit.backend.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

/**
 * A Boot application whose {@code @ConfigurationProperties} follow config in a real etcd (and, in
 * the last test, in a file): bound at start, rebound after a write, the change event, and a value
 * the application's validator refuses never applied.
 */
@DisplayName("live config from a real etcd in a Boot application")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExstateLiveConfigIT {
    private static final Logger log = LoggerFactory.getLogger(ExstateLiveConfigIT.class);
    private static final String APP = "shop-live";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static EtcdServer etcd;
    private static EtcdState adminState;
    private static EtcdConfigAdmin admin;
    private static ConfigurableApplicationContext app;

    @BeforeAll
    static void start() {
        etcd = EtcdServer.builder().start();
        adminState = EtcdState.connect(EtcdOptions.builder(etcd.endpoint()).appName(APP).build());
        admin = adminState.admin();
        admin.putAll(Map.of("shop.discount-percent", "10", "shop.greeting", "hello from etcd"));
        app = new SpringApplicationBuilder(ShopApp.class).web(WebApplicationType.NONE).properties(
                "spring.application.name=" + APP,
                "exstate.etcd.endpoints=" + etcd.endpoint(),
                "shop.discount-percent=5").run();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (adminState != null) {
            adminState.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    @Order(1)
    @DisplayName("at start the properties bean holds etcd's values, over application properties")
    void boundFromEtcdAtStart() {
        ShopProperties shop = app.getBean(ShopProperties.class);
        assertThat(shop.getDiscountPercent()).isEqualTo(10);
        assertThat(shop.getGreeting()).isEqualTo("hello from etcd");
        assertThat(app.getEnvironment().getProperty("shop.discount-percent")).isEqualTo("10");
    }

    @Test
    @Order(2)
    @DisplayName("a value written to etcd is rebound, and the event carries its key and etcd's revision")
    void writeIsRebound() {
        ShopProperties shop = app.getBean(ShopProperties.class);
        Recorder recorder = app.getBean(Recorder.class);
        long written = System.nanoTime();
        long revision = admin.put("shop.discount-percent", "15");

        await().atMost(PATIENCE).until(() -> shop.getDiscountPercent() == 15);
        log.info("rebound {} ms after the etcd write", Duration.ofNanos(System.nanoTime() - written).toMillis());
        await().atMost(PATIENCE).until(() -> recorder.events.stream().anyMatch(e -> e.revision() == revision));
        Seen event = recorder.events.get(recorder.events.size() - 1);
        assertThat(event.changedKeys()).containsExactly("shop.discount-percent");
        assertThat(event.revision()).isEqualTo(revision);
        assertThat(event.previousRevision()).isLessThan(revision);
        assertThat(event.discountSeen).as("the bean was rebound before the event").isEqualTo(15);
    }

    @Test
    @Order(3)
    @DisplayName("a value the validator bean refuses is not applied; the next good one is")
    void refusedValueIsNotApplied() {
        ShopProperties shop = app.getBean(ShopProperties.class);
        Recorder recorder = app.getBean(Recorder.class);
        ConfigSource source = app.getBean(ConfigSource.class);
        long rejectedBefore = source.rejectedSnapshots();
        int eventsBefore = recorder.events.size();

        admin.put("shop.discount-percent", "500");
        await().atMost(PATIENCE).until(() -> source.rejectedSnapshots() > rejectedBefore);
        assertThat(shop.getDiscountPercent()).isEqualTo(15);
        assertThat(app.getEnvironment().getProperty("shop.discount-percent")).isEqualTo("15");
        assertThat(recorder.events).hasSize(eventsBefore);

        long revision = admin.put("shop.discount-percent", "20");
        await().atMost(PATIENCE).until(() -> shop.getDiscountPercent() == 20);
        await().atMost(PATIENCE).until(() -> recorder.events.stream().anyMatch(e -> e.revision() == revision));
    }

    @Test
    @Order(4)
    @DisplayName("without etcd, exstate.config.file is the live config: a rewritten file is rebound")
    void fileConfig(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shop.properties");
        write(file, "shop.discount-percent=7\n");
        try (ConfigurableApplicationContext fileApp = new SpringApplicationBuilder(ShopApp.class).web(WebApplicationType.NONE)
                .properties("spring.application.name=" + APP, "exstate.config.file=" + file,
                        "exstate.config.file-poll-interval=200ms").run()) {
            ShopProperties shop = fileApp.getBean(ShopProperties.class);
            Recorder recorder = fileApp.getBean(Recorder.class);
            assertThat(shop.getDiscountPercent()).isEqualTo(7);

            write(file, "shop.discount-percent=8\nshop.greeting=from the file\n");
            await().atMost(PATIENCE).until(() -> shop.getDiscountPercent() == 8);
            assertThat(shop.getGreeting()).isEqualTo("from the file");
            await().atMost(PATIENCE).until(() -> !recorder.events.isEmpty());
            assertThat(recorder.events.get(0).changedKeys()).containsExactlyInAnyOrder("shop.discount-percent", "shop.greeting");

            write(file, "shop.discount-percent=900\n");
            ConfigSource source = fileApp.getBean(ConfigSource.class);
            await().atMost(PATIENCE).until(() -> source.rejectedSnapshots() >= 1);
            assertThat(shop.getDiscountPercent()).isEqualTo(8);
        }
    }

    private static void write(Path file, String content) throws Exception {
        Path tmp = Files.createTempFile(file.getParent(), "next", ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The events, each with the discount the bean held when it arrived. */
    static final class Recorder {
        final List<Seen> events = new CopyOnWriteArrayList<>();
        private final ShopProperties shop;

        Recorder(ShopProperties shop) {
            this.shop = shop;
        }

        @EventListener
        void on(ExstateConfigChangedEvent event) {
            events.add(new Seen(event.changedKeys(), event.previousRevision(), event.revision(), shop.getDiscountPercent()));
        }
    }

    record Seen(java.util.Set<String> changedKeys, long previousRevision, long revision, int discountSeen) {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableConfigurationProperties(ShopProperties.class)
    static class ShopApp {
        @Bean
        Recorder recorder(ShopProperties shop) {
            return new Recorder(shop);
        }

        /** The application's rule: a discount over 100 is a typo, never applied. */
        @Bean
        ConfigValidator discountAtMost100() {
            return snapshot -> snapshot.get("shop.discount-percent")
                    .filter(v -> v.matches("\\d+") && Integer.parseInt(v) > 100)
                    .ifPresent(v -> {
                        throw new ConfigValidationException("shop.discount-percent must be at most 100");
                    });
        }
    }
}
