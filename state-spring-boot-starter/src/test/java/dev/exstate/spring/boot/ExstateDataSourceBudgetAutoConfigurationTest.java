package dev.exstate.spring.boot;

import static dev.exstate.spring.boot.ExstateStartupFailureTest.find;
import static dev.exstate.spring.boot.ExstateStartupFailureTest.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.exstate.budget.BudgetStats;
import dev.exstate.hikari.BudgetedHikariPool;
import dev.exstate.lease.Lease;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.ExstateShutdown;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The budgeted DataSource in an application context, on in-memory leases (one replica, or several
 * contexts sharing one in-memory backend) and an in-memory H2: what becomes the DataSource, what
 * readiness and the meters say, the shutdown order, and the properties that fail start-up. The same
 * on a real redis-server with two replicas: {@code ExstateDataSourceBudgetIT}.
 */
@DisplayName("budgeted DataSource auto-configuration")
class ExstateDataSourceBudgetAutoConfigurationTest {
    private static final String BUDGET_INDICATOR = "exstateDataSourceBudgetHealthIndicator";
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class, ExstateDataSourceBudgetAutoConfiguration.class,
                    ExstateHealthAutoConfiguration.class, ExstateMetricsAutoConfiguration.class,
                    DataSourceAutoConfiguration.class, JdbcTemplateAutoConfiguration.class))
            .withPropertyValues("exstate.app-name=shop", "exstate.datasource-budget.connections=4",
                    "exstate.datasource-budget.poll-interval=20ms", "spring.datasource.url=jdbc:h2:mem:budget-unit;DB_CLOSE_DELAY=-1",
                    "spring.datasource.username=sa");

    private static BudgetedHikariPool pool(AssertableApplicationContext ctx) {
        return ctx.getBean(BudgetedHikariPool.class);
    }

    private static int poolSize(AssertableApplicationContext ctx) {
        return pool(ctx).budget().poolSize();
    }

    private static Health budgetHealth(AssertableApplicationContext ctx) {
        return ctx.getBean(BUDGET_INDICATOR, HealthIndicator.class).health();
    }

    @Nested
    @DisplayName("the DataSource")
    class TheDataSource {

        @Test
        @DisplayName("is the budgeted pool's, Boot's own backs off, and it runs SQL once this replica has its share")
        void isTheBudgetedPool() {
            runner.run(ctx -> {
                assertThat(ctx).hasNotFailed().hasSingleBean(DataSource.class).hasSingleBean(BudgetedHikariPool.class);
                BudgetedHikariPool pool = pool(ctx);
                assertThat(ctx.getBean(DataSource.class)).isSameAs(pool.dataSource());
                assertThat(pool.budget().stats().resource()).as("default resource: the app name + -db").isEqualTo("shop-db");
                assertThat(((HikariDataSource) pool.dataSource()).getPoolName()).isEqualTo("shop-db");

                await().atMost(PATIENCE).until(() -> poolSize(ctx) == 4);
                assertThat(ctx.getBean(JdbcTemplate.class).queryForObject("SELECT 1", Integer.class)).isEqualTo(1);
                assertThat(pool.openConnections()).isBetween(1, 4);
            });
        }

        @Test
        @DisplayName("takes spring.datasource.hikari.*; the budget, not maximum-pool-size, sizes the pool")
        void hikariPropertiesAreBound() {
            runner.withPropertyValues("spring.datasource.hikari.connection-timeout=1500", "spring.datasource.hikari.pool-name=orders",
                    "spring.datasource.hikari.maximum-pool-size=50", "exstate.datasource-budget.resource=orders-db",
                    "exstate.datasource-budget.connections=3").run(ctx -> {
                HikariDataSource hikari = (HikariDataSource) ctx.getBean(DataSource.class);
                assertThat(hikari.getConnectionTimeout()).isEqualTo(1500);
                assertThat(hikari.getPoolName()).isEqualTo("orders");
                assertThat(pool(ctx).budget().stats().resource()).isEqualTo("orders-db");
                await().atMost(PATIENCE).until(() -> poolSize(ctx) == 3);
                assertThat(hikari.getMaximumPoolSize()).isEqualTo(3);
            });
        }

        @Test
        @DisplayName("an application's own DataSource wins: no budgeted pool, and the budget's indicator says it is not in use")
        void applicationDataSourceWins() {
            JdbcDataSource own = new JdbcDataSource();
            own.setURL("jdbc:h2:mem:own");
            runner.withBean("myDataSource", DataSource.class, () -> own).run(ctx -> {
                assertThat(ctx).hasNotFailed().doesNotHaveBean(BudgetedHikariPool.class);
                assertThat(ctx.getBean(DataSource.class)).isSameAs(own);
                Health health = budgetHealth(ctx);
                assertThat(health.getStatus()).isEqualTo(Status.UP);
                assertThat(health.getDetails().get("budget").toString()).contains("not in use");
            });
        }

        @Test
        @DisplayName("without state-hikari (or without exstate.datasource-budget.connections) Boot's DataSource is untouched")
        void nothingWithoutHikariOrConnections() {
            runner.withClassLoader(new FilteredClassLoader(BudgetedHikariPool.class)).run(ctx -> {
                assertThat(ctx).hasNotFailed().doesNotHaveBean(BudgetedHikariPool.class).doesNotHaveBean(BUDGET_INDICATOR)
                        .hasSingleBean(DataSource.class);
                assertThat(ctx.getBean(DataSource.class)).isInstanceOf(HikariDataSource.class);
            });
            runner.withPropertyValues("exstate.datasource-budget.connections=").run(ctx ->
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(BudgetedHikariPool.class).doesNotHaveBean(BUDGET_INDICATOR));
        }
    }

    @Nested
    @DisplayName("readiness and meters")
    class ReadinessAndMeters {

        @Test
        @DisplayName("UP with the budget's stats while the pool has a share; OUT_OF_SERVICE with a reason for the replica left with 0")
        void outOfServiceWithoutAShare() {
            FakeBackend redis = FakeBackend.redis();
            ApplicationContextRunner shared = runner.withBean("r", ExstateBackend.class, () -> redis)
                    .withPropertyValues("exstate.datasource-budget.connections=1");
            shared.run(first -> {
                await().atMost(PATIENCE).until(() -> poolSize(first) == 1);
                shared.run(second -> {
                    await().atMost(PATIENCE).until(() -> pool(second).budget().stats().liveReplicas() == 2);
                    assertThat(poolSize(second)).isZero();
                    Health health = budgetHealth(second);
                    assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
                    assertThat(health.getDetails()).containsEntry("resource", "shop-db").containsEntry("connections", 1)
                            .containsEntry("liveReplicas", 2).containsEntry("share", 0).containsEntry("poolSize", 0)
                            .containsEntry("permits", 0).containsKey("reason");
                    assertThat(health.getDetails().get("reason").toString()).contains("2 replicas share 1 connections");
                    assertThat(second.getBean("exstateHealthIndicator", HealthIndicator.class).health().getStatus())
                            .as("the runtime itself is fine").isEqualTo(Status.UP);

                    Health up = budgetHealth(first);
                    assertThat(up.getStatus()).isEqualTo(Status.UP);
                    assertThat(up.getDetails()).containsEntry("poolSize", 1).containsEntry("share", 1);

                    first.close();
                    await().atMost(PATIENCE).until(() -> budgetHealth(second).getStatus().equals(Status.UP));
                    assertThat(poolSize(second)).isEqualTo(1);
                });
            });
        }

        @Test
        @DisplayName("with Micrometer, exstate.budget.* gauges tagged app and resource follow the pool")
        void budgetMeters() {
            runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(ctx -> {
                MeterRegistry registry = ctx.getBean(MeterRegistry.class);
                ctx.getBeansOfType(MeterBinder.class).values().forEach(b -> b.bindTo(registry));
                await().atMost(PATIENCE).until(() -> poolSize(ctx) == 4);
                for (String[] nameAndValue : new String[][] {{"exstate.budget.pool.size", "4"}, {"exstate.budget.share", "4"},
                        {"exstate.budget.permits", "4"}, {"exstate.budget.replicas", "1"}, {"exstate.budget.connections", "4"}}) {
                    assertThat(registry.get(nameAndValue[0]).tags("app", "shop", "resource", "shop-db").gauge().value())
                            .as(nameAndValue[0]).isEqualTo(Double.parseDouble(nameAndValue[1]));
                }
                assertThat(ctx).hasSingleBean(dev.exstate.micrometer.ExstateMetrics.class);
            });
        }
    }

    @Nested
    @DisplayName("shutdown")
    class Shutdown {

        @Test
        @DisplayName("the pool empties and releases its permits after plain lifecycles and before the runtime closes its leases")
        void poolClosesBeforeTheRuntime() {
            FakeBackend redis = FakeBackend.redis();
            List<String> seen = new CopyOnWriteArrayList<>();
            ApplicationContextRunner shared = runner.withBean("r", ExstateBackend.class, () -> redis);
            shared.withBean("phaseZero", SmartLifecycle.class, () -> new Probe("phase 0", 0, seen))
                    .withBean("beforeRuntimeCloses", SmartLifecycle.class,
                            () -> new Probe("before the runtime closes", ExstateShutdown.CLOSE_PHASE + 1, seen))
                    .run(first -> {
                        shared.run(second -> {
                            await().atMost(PATIENCE).until(() -> poolSize(first) == 2 && poolSize(second) == 2);
                            Probe.pool = pool(first);
                            Probe.runtime = first.getBean(StateRuntime.class);
                            first.close();
                            // released, not left to expire: only the second replica's membership is held now
                            List<String> members = IntStream.range(0, 32).mapToObj(j -> "budget.shop-db@member." + j).toList();
                            assertThat(redis.memory.leaseProvider().held(members)).hasSize(1);
                            await().atMost(PATIENCE).until(() -> poolSize(second) == 4);
                        });
                    });
            assertThat(seen).containsExactly(
                    "phase 0: poolSize=2, leases usable=true",
                    "before the runtime closes: poolSize=0, permits=0, leases usable=true");
            assertThat(ExstateShutdown.POOLS_PHASE).isLessThan(0).isGreaterThan(ExstateShutdown.CLOSE_PHASE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("a value the budget, the binder or the pool refuses fails start-up naming its property")
    @CsvSource(delimiter = '|', textBlock = """
            exstate.datasource-budget.connections=0                                    | exstate.datasource-budget.connections
            exstate.datasource-budget.connections=10001                                | exstate.datasource-budget.connections
            exstate.datasource-budget.resource=orders-db-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | exstate.datasource-budget.resource
            exstate.datasource-budget.max-replicas=0                                   | exstate.datasource-budget.max-replicas
            exstate.datasource-budget.permit-ttl=50ms                                  | exstate.datasource-budget.permit-ttl
            exstate.datasource-budget.permit-ttl=1s;exstate.datasource-budget.poll-interval=400ms | exstate.datasource-budget.permit-ttl
            exstate.datasource-budget.poll-interval=2m                                 | exstate.datasource-budget.poll-interval
            spring.datasource.url=                                                     | spring.datasource.url
            spring.datasource.type=org.apache.tomcat.jdbc.pool.DataSource              | spring.datasource.type
            spring.datasource.driver-class-name=org.example.NoSuchDriver               | spring.datasource.driver-class-name
            """)
    void refusedValueNamesItsProperty(String settings, String property) {
        runner.withPropertyValues(settings.split(";")).run(ctx -> {
            assertThat(ctx).hasFailed();
            InvalidConfigurationPropertyValueException e = find(ctx.getStartupFailure());
            assertThat(e).as("error naming the property, in %s", ctx.getStartupFailure()).isNotNull();
            assertThat(e.getName()).isEqualTo(property);
            assertThat(e.getReason()).isNotBlank();
        });
    }

    @Test
    @DisplayName("a spring.datasource.hikari.* value that does not bind names its property; TTL and poll interval set together in any order")
    void hikariBindingErrorsAndCombinedDurations() {
        runner.withPropertyValues("spring.datasource.hikari.connection-timeout=soon").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(messages(ctx.getStartupFailure())).contains("spring.datasource.hikari.connection-timeout");
        });
        runner.withPropertyValues("exstate.datasource-budget.permit-ttl=500ms", "exstate.datasource-budget.poll-interval=100ms")
                .run(ctx -> {
                    BudgetStats stats = pool(ctx).budget().stats();
                    assertThat(ctx).hasNotFailed();
                    assertThat(stats.connections()).isEqualTo(4);
                });
        runner.withPropertyValues("exstate.datasource-budget.permit-ttl=30s", "exstate.datasource-budget.poll-interval=5s")
                .run(ctx -> assertThat(ctx).hasNotFailed());
    }

    /** A lifecycle of some phase that records, when stopped, the first context's pool and whether leases still work. */
    static final class Probe implements SmartLifecycle {
        static volatile BudgetedHikariPool pool;
        static volatile StateRuntime runtime;
        private final String name;
        private final int phase;
        private final List<String> seen;
        private volatile boolean running;

        Probe(String name, int phase, List<String> seen) {
            this.name = name;
            this.phase = phase;
            this.seen = seen;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            BudgetStats s = pool.budget().stats();
            Optional<Lease> probe = runtime.leases().tryAcquire("probe-" + seen.size(), Duration.ofSeconds(5));
            probe.ifPresent(Lease::release);
            seen.add(name + ": poolSize=" + s.poolSize() + (phase < 0 ? ", permits=" + s.permits() : "")
                    + ", leases usable=" + probe.isPresent());
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
}
