package dev.exstate.spring.boot;

import dev.exstate.hikari.BudgetedHikariPool;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.spring.boot.internal.ConditionalOnAnyProperty;
import dev.exstate.spring.boot.internal.DataSourceBudgetSupport;
import dev.exstate.spring.boot.internal.ExstateShutdown;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The application's {@link DataSource} on a cluster-wide connection budget, when {@code state-hikari}
 * is on the class path and {@code exstate.datasource-budget.connections} is set: a
 * {@link BudgetedHikariPool} from Boot's {@code spring.datasource.*} and
 * {@code spring.datasource.hikari.*}, sized to this replica's share of the budget, on the runtime's
 * {@code LeaseProvider} (Redis or etcd; in memory each replica would have the whole budget). Its
 * {@link BudgetedHikariPool#dataSource()} is the bean {@code dataSource}, so Boot's own DataSource
 * auto-configuration backs off and JDBC, JPA, Flyway and the rest use the budgeted pool.
 *
 * <p>Beans, unless the application defines a {@link DataSource} (then nothing here applies):
 * the pool ({@code exstateDataSourceBudgetPool}) and the {@code dataSource}. The pool closes after
 * the web server and every plain lifecycle have stopped and before the runtime releases its
 * leases, so its permits pass to the other replicas at once (see the README's shutdown order).
 * Readiness: the {@code exstateDataSourceBudget} health indicator is OUT_OF_SERVICE while the pool
 * size is 0; budget meters come with {@code state-micrometer}.
 */
@AutoConfiguration(after = ExstateAutoConfiguration.class,
        beforeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass(BudgetedHikariPool.class)
@ConditionalOnAnyProperty(DataSourceBudgetSupport.CONNECTIONS)
@EnableConfigurationProperties(ExstateProperties.class)
public class ExstateDataSourceBudgetAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnBean(StateRuntime.class)
    @ConditionalOnMissingBean({DataSource.class, BudgetedHikariPool.class})
    public BudgetedHikariPool exstateDataSourceBudgetPool(ExstateProperties properties, Environment environment,
                                                          StateRuntime runtime) {
        return DataSourceBudgetSupport.start(properties.getDatasourceBudget(), environment, runtime);
    }

    /** The pool's data source; the pool bean closes it. */
    @Bean(destroyMethod = "")
    @ConditionalOnBean(BudgetedHikariPool.class)
    @ConditionalOnMissingBean(DataSource.class)
    public DataSource dataSource(BudgetedHikariPool pool) {
        return pool.dataSource();
    }

    /** Closes budgeted pools while the runtime's leases still work, so permits are released, not left to expire. */
    @Bean
    @ConditionalOnBean(BudgetedHikariPool.class)
    public SmartLifecycle exstateDataSourceBudgetCloseOnShutdown(ObjectProvider<BudgetedHikariPool> pools) {
        return ExstateShutdown.closePools(() -> List.copyOf(pools.orderedStream().toList()));
    }
}
