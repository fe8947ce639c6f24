package dev.exstate.spring.boot;

import dev.exstate.hikari.BudgetedHikariPool;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.spring.boot.internal.ConditionalOnAnyProperty;
import dev.exstate.spring.boot.internal.DataSourceBudgetHealthIndicator;
import dev.exstate.spring.boot.internal.DataSourceBudgetSupport;
import dev.exstate.spring.boot.internal.ExstateHealthIndicator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code exstate} health indicator, when Actuator's health module is on the class path: the
 * runtime's readiness (backends, first config snapshot, shutdown) with a status and reason per
 * component, without I/O and without secrets. With a budgeted DataSource
 * ({@code exstate.datasource-budget.connections} and {@code state-hikari}), also the
 * {@code exstateDataSourceBudget} indicator: OUT_OF_SERVICE while this replica's pool size is 0.
 * Both are in the readiness group and not in liveness with no property set (see the module's
 * README); {@code management.health.exstate.enabled=false} turns both off.
 */
@AutoConfiguration(after = {ExstateAutoConfiguration.class, ExstateDataSourceBudgetAutoConfiguration.class})
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
public class ExstateHealthAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(StateRuntime.class)
    @ConditionalOnEnabledHealthIndicator("exstate")
    static class Indicator {

        @Bean
        @ConditionalOnMissingBean(name = "exstateHealthIndicator")
        HealthIndicator exstateHealthIndicator(StateRuntime runtime) {
            return new ExstateHealthIndicator(runtime);
        }
    }

    /**
     * Under the same conditions as the readiness group's entry for it (see
     * {@code ReadinessGroupEnvironmentPostProcessor}), so the group never names a missing indicator.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.exstate.hikari.BudgetedHikariPool")
    @ConditionalOnAnyProperty(DataSourceBudgetSupport.CONNECTIONS)
    @ConditionalOnEnabledHealthIndicator("exstate")
    static class DataSourceBudget {

        @Bean
        @ConditionalOnMissingBean(name = "exstateDataSourceBudgetHealthIndicator")
        HealthIndicator exstateDataSourceBudgetHealthIndicator(ObjectProvider<BudgetedHikariPool> pool) {
            return new DataSourceBudgetHealthIndicator(pool::getIfUnique);
        }
    }
}
