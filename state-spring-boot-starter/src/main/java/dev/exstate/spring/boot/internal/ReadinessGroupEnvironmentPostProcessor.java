package dev.exstate.spring.boot.internal;

import java.util.List;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Puts the {@code exstate} health indicator into Actuator's readiness group, and nowhere into
 * liveness, with no property to set: adds, as the lowest-precedence default,
 * {@code management.endpoint.health.group.readiness.include=readinessState,exstate} (Boot's
 * readiness group plus exstate). Boot's liveness group ({@code livenessState}) is left alone, so
 * liveness never depends on a backend. With a budgeted DataSource ({@code state-hikari} present and
 * {@code exstate.datasource-budget.connections} set) it adds {@code exstateDataSourceBudget} too,
 * so a replica whose pool has no share of the connection budget is not ready.
 *
 * <p>Does nothing when the application sets that property itself (then it decides; add
 * {@code exstate} to the list to keep it), when Actuator's health module is absent, when probes
 * are off ({@code management.endpoint.health.probes.enabled=false}) or when the indicator is off
 * ({@code management.health.exstate.enabled=false}), since a group naming a missing indicator
 * fails start-up.
 */
public final class ReadinessGroupEnvironmentPostProcessor implements EnvironmentPostProcessor {
    static final String INCLUDE = "management.endpoint.health.group.readiness.include";
    static final String SOURCE = "exstateReadinessGroup";
    /** Contributor name of {@link DataSourceBudgetHealthIndicator} (its bean name without the suffix). */
    static final String BUDGET_INDICATOR = "exstateDataSourceBudget";
    private static final String HEALTH_INDICATOR = "org.springframework.boot.health.contributor.HealthIndicator";
    private static final String HIKARI_POOL = "dev.exstate.hikari.BudgetedHikariPool";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        ClassLoader loader = application != null ? application.getClassLoader() : getClass().getClassLoader();
        if (!ClassUtils.isPresent(HEALTH_INDICATOR, loader)) {
            return;
        }
        Binder binder = Binder.get(environment);
        if (!binder.bind("management.endpoint.health.probes.enabled", Boolean.class).orElse(true)) {
            return;
        }
        boolean defaults = binder.bind("management.health.defaults.enabled", Boolean.class).orElse(true);
        if (!binder.bind("management.health.exstate.enabled", Boolean.class).orElse(defaults)) {
            return;
        }
        if (binder.bind(INCLUDE, Bindable.listOf(String.class)).isBound()) {
            return;
        }
        String include = "readinessState,exstate";
        if (ClassUtils.isPresent(HIKARI_POOL, loader) && binder.bind(DataSourceBudgetSupport.CONNECTIONS, Bindable.listOf(String.class))
                .orElse(List.of()).stream().anyMatch(v -> v != null && !v.isBlank())) {
            include += "," + BUDGET_INDICATOR;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(INCLUDE, include)));
    }
}
