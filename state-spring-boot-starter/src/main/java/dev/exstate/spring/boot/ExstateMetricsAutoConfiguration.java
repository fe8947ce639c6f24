package dev.exstate.spring.boot;

import dev.exstate.hikari.BudgetedHikariPool;
import dev.exstate.micrometer.ExstateMetrics;
import dev.exstate.runtime.StateRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * exstate's Micrometer meters ({@code exstate.*}: guarded calls, retries, timeouts, breaker
 * state, near cache, scheduler ticks and leases, config revision, blob bytes; listed in the
 * {@code state-micrometer} README), when {@code state-micrometer} and Micrometer are on the class
 * path. The bean is an {@link ExstateMetrics} {@code MeterBinder}, which Boot binds to every
 * {@link MeterRegistry} it manages, so the meters appear under {@code /actuator/metrics} and in
 * every registry the service exports to. Each meter carries the tag {@code app} (the exstate app
 * name). A service that defines its own {@link ExstateMetrics} bean keeps it. With a budgeted
 * DataSource, a second binder ({@code exstateDataSourceBudgetMetrics}) adds the budget's gauges
 * ({@code exstate.budget.*}, tagged {@code resource}).
 */
@AutoConfiguration(after = {ExstateAutoConfiguration.class, ExstateDataSourceBudgetAutoConfiguration.class})
@ConditionalOnClass({ExstateMetrics.class, MeterRegistry.class})
public class ExstateMetricsAutoConfiguration {

    @Bean
    @ConditionalOnBean(StateRuntime.class)
    @ConditionalOnMissingBean
    public ExstateMetrics exstateMetrics(StateRuntime runtime) {
        return new ExstateMetrics(runtime);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.exstate.hikari.BudgetedHikariPool")
    static class DataSourceBudget {

        /**
         * A plain {@link MeterBinder}, not an {@link ExstateMetrics} bean, so it neither replaces nor
         * competes with the runtime's binder; each budgeted pool's gauges, tagged with the app name.
         */
        @Bean
        @ConditionalOnBean({StateRuntime.class, BudgetedHikariPool.class})
        MeterBinder exstateDataSourceBudgetMetrics(StateRuntime runtime, ObjectProvider<BudgetedHikariPool> pools) {
            return registry -> {
                ExstateMetrics.Builder builder = ExstateMetrics.builder(runtime.appName());
                pools.orderedStream().forEach(pool -> builder.budget(pool.budget()));
                builder.build().bindTo(registry);
            };
        }
    }
}
