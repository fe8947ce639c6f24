package dev.exstate.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.budget.BudgetStats;
import dev.exstate.hikari.BudgetedHikariPool;
import dev.exstate.testkit.backend.RedisServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Replicas of one Boot web application (Tomcat, Actuator, Micrometer, Boot's JDBC starter),
 * configured by properties only, as application contexts in this JVM on a real redis-server and an
 * in-memory H2: they share {@code exstate.datasource-budget.connections} through leases in Redis,
 * their {@code DataSource} is the budgeted pool, readiness follows the share while liveness does not,
 * a closed replica hands its permits on at once, and a bad value fails start-up naming its property.
 *
 * <p>The permit TTL is 2 minutes, so a replica that only reaches the whole budget after the patience
 * below would show permits left to expire rather than released.
 */
@DisplayName("the budgeted DataSource in Boot web applications on a real redis-server")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExstateDataSourceBudgetIT {
    private static final Logger log = LoggerFactory.getLogger(ExstateDataSourceBudgetIT.class);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String ORDERS = "orders-it";
    private static final String REPORTS = "reports-it";

    private static final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private static RedisServer redis;
    private static HttpClient http;
    private static ConfigurableApplicationContext a;
    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void start() {
        redis = RedisServer.builder().start();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        for (int i = contexts.size() - 1; i >= 0; i--) {
            contexts.get(i).close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** One replica of {@code app}: nothing but properties. */
    private static ConfigurableApplicationContext replica(String app, int connections, String... more) {
        List<String> properties = new ArrayList<>(List.of(
                "server.port=0",
                "spring.application.name=" + app,
                "exstate.redis.uri=" + redis.uri(),
                "exstate.datasource-budget.connections=" + connections,
                "exstate.datasource-budget.permit-ttl=2m",
                "exstate.datasource-budget.poll-interval=100ms",
                "spring.datasource.url=jdbc:h2:mem:" + app + ";DB_CLOSE_DELAY=-1",
                "spring.datasource.username=sa",
                "spring.datasource.hikari.connection-timeout=2000",
                "management.endpoints.web.exposure.include=health,metrics",
                "management.endpoint.health.show-details=always"));
        properties.addAll(List.of(more));
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(JdbcApp.class)
                .properties(properties.toArray(String[]::new)).run();
        contexts.add(ctx);
        return ctx;
    }

    private static BudgetStats stats(ConfigurableApplicationContext ctx) {
        return ctx.getBean(BudgetedHikariPool.class).budget().stats();
    }

    private static int poolSize(ConfigurableApplicationContext ctx) {
        return stats(ctx).poolSize();
    }

    /** Lease keys of the budget's permits (or memberships) that exist in Redis now (one hash tag per budget). */
    private static long keysInRedis(String app, String kind, int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "exstate:" + app + ":lease:{budget." + app + "-db}@" + kind + i)
                .filter(key -> Long.valueOf(1).equals(redis.call("EXISTS", key)))
                .count();
    }

    @Test
    @Order(1)
    @DisplayName("two replicas with connections=4 get 2 each, through leases in Redis; the DataSource is the budgeted pool and runs SQL")
    void twoReplicasShareTheBudget() throws Exception {
        a = replica(ORDERS, 4);
        b = replica(ORDERS, 4);
        await().atMost(PATIENCE).until(() -> poolSize(a) == 2 && poolSize(b) == 2);
        log.info("shares: a {} b {}", stats(a), stats(b));
        assertThat(keysInRedis(ORDERS, "", 4)).as("one lease per permit in Redis").isEqualTo(4);

        for (ConfigurableApplicationContext replica : List.of(a, b)) {
            BudgetedHikariPool pool = replica.getBean(BudgetedHikariPool.class);
            assertThat(replica.getBeansOfType(DataSource.class)).as("Boot's own DataSource backed off").hasSize(1);
            assertThat(replica.getBean(DataSource.class)).isSameAs(pool.dataSource());
            assertThat(replica.getBean(JdbcTemplate.class).queryForObject("SELECT 1", Integer.class)).isEqualTo(1);
            assertThat(pool.openConnections()).isBetween(1, 2);

            Answer readiness = get(replica, "/actuator/health/readiness");
            assertThat(readiness.status()).as(readiness.body()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"exstateDataSourceBudget\"", "\"poolSize\":2", "\"connections\":4",
                    "\"liveReplicas\":2", "\"resource\":\"orders-it-db\"", "\"exstate\"");
            Answer liveness = get(replica, "/actuator/health/liveness");
            assertThat(liveness.status()).isEqualTo(200);
            assertThat(liveness.body()).doesNotContain("exstateDataSourceBudget");
        }

        // the starter binds the budget's gauges to Boot's registry
        MeterRegistry registry = a.getBean(MeterRegistry.class);
        assertThat(gauge(registry, "exstate.budget.pool.size")).isEqualTo(2);
        assertThat(gauge(registry, "exstate.budget.share")).isEqualTo(2);
        assertThat(gauge(registry, "exstate.budget.permits")).isEqualTo(2);
        assertThat(gauge(registry, "exstate.budget.replicas")).isEqualTo(2);
        assertThat(gauge(registry, "exstate.budget.connections")).isEqualTo(4);
        Answer metric = get(a, "/actuator/metrics/exstate.budget.pool.size?tag=resource:orders-it-db");
        assertThat(metric.status()).as(metric.body()).isEqualTo(200);
        assertThat(metric.body()).contains("\"value\":2.0");
    }

    private static double gauge(MeterRegistry registry, String name) {
        return registry.get(name).tags("app", ORDERS, "resource", ORDERS + "-db").gauge().value();
    }

    @Test
    @Order(2)
    @DisplayName("closing one replica releases its permits and membership at once, and the other grows to the whole budget")
    void closingOneGivesTheOtherTheWholeBudget() throws Exception {
        await().atMost(PATIENCE).until(() -> poolSize(a) == 2 && poolSize(b) == 2);
        b.close();
        assertThat(keysInRedis(ORDERS, "member.", 32)).as("the closed replica's membership is released, not left to its 2 min TTL")
                .isEqualTo(1);

        await().atMost(PATIENCE).until(() -> poolSize(a) == 4);
        assertThat(stats(a).liveReplicas()).isEqualTo(1);
        assertThat(get(a, "/actuator/health/readiness").body()).contains("\"poolSize\":4");
        assertThat(gauge(a.getBean(MeterRegistry.class), "exstate.budget.pool.size")).isEqualTo(4);
        assertThat(a.getBean(JdbcTemplate.class).queryForObject("SELECT 1", Integer.class)).isEqualTo(1);
        a.close();
        assertThat(keysInRedis(ORDERS, "", 4)).as("every permit released on close").isZero();
    }

    @Test
    @Order(3)
    @DisplayName("with connections=1 the second replica gets 0: readiness OUT_OF_SERVICE (503), liveness UP, no connection; ready once the first leaves")
    void replicaWithoutAShareIsNotReadyButAlive() throws Exception {
        ConfigurableApplicationContext first = replica(REPORTS, 1);
        await().atMost(PATIENCE).until(() -> poolSize(first) == 1);
        ConfigurableApplicationContext second = replica(REPORTS, 1);
        await().atMost(PATIENCE).until(() -> stats(second).liveReplicas() == 2);
        assertThat(poolSize(second)).isZero();

        AtomicBoolean livenessAlwaysUp = new AtomicBoolean(true);
        await().atMost(PATIENCE).until(() -> {
            if (get(second, "/actuator/health/liveness").status() != 200) {
                livenessAlwaysUp.set(false);
            }
            return get(second, "/actuator/health/readiness").status() == 503;
        });
        Answer readiness = get(second, "/actuator/health/readiness");
        assertThat(readiness.body()).contains("\"OUT_OF_SERVICE\"", "\"exstateDataSourceBudget\"", "\"poolSize\":0",
                "\"share\":0", "2 replicas share 1 connections");
        Answer liveness = get(second, "/actuator/health/liveness");
        assertThat(liveness.status()).isEqualTo(200);
        assertThat(livenessAlwaysUp).isTrue();
        assertThat(get(first, "/actuator/health/readiness").status()).isEqualTo(200);

        DataSource noShare = second.getBean(DataSource.class);
        assertThatThrownBy(() -> {
            try (Connection c = noShare.getConnection()) {
                c.isValid(1);
            }
        }).isInstanceOf(SQLTransientConnectionException.class);

        first.close();
        await().atMost(PATIENCE).until(() -> get(second, "/actuator/health/readiness").status() == 200);
        assertThat(poolSize(second)).isEqualTo(1);
        assertThat(second.getBean(JdbcTemplate.class).queryForObject("SELECT 1", Integer.class)).isEqualTo(1);
        assertThat(get(second, "/actuator/health/liveness").status()).isEqualTo(200);
        second.close();
    }

    @Test
    @Order(4)
    @DisplayName("exstate.datasource-budget.connections=0 fails start-up with an error naming the property")
    void badPropertyFailsStartup() {
        assertThatThrownBy(() -> replica("broken-it", 0)).satisfies(e -> {
            InvalidConfigurationPropertyValueException invalid = null;
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof InvalidConfigurationPropertyValueException i) {
                    invalid = i;
                }
            }
            assertThat(invalid).as("%s", e).isNotNull();
            assertThat(invalid.getName()).isEqualTo("exstate.datasource-budget.connections");
            assertThat(invalid.getMessage()).contains("exstate.datasource-budget.connections", "connections must be between 1 and");
        });
    }

    private static Answer get(ConfigurableApplicationContext ctx, String path) throws Exception {
        String base = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    private record Answer(int status, String body) {
    }

    /** The whole application: auto-configuration only. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class JdbcApp {
    }
}
