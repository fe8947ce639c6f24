package dev.exstate.spring.boot;

import dev.exstate.micrometer.ExstateMetrics;
import dev.exstate.runtime.StateRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * exstate's Micrometer meters ({@code exstate.*}: guarded calls, retries, timeouts, breaker
 * state, near cache, scheduler ticks and leases, config revision, blob bytes; listed in the
 * {@code state-micrometer} README), when {@code state-micrometer} and Micrometer are on the class
 * path. The bean is an {@link ExstateMetrics} {@code MeterBinder}, which Boot binds to every
 * {@link MeterRegistry} it manages, so the meters appear under {@code /actuator/metrics} and in
 * every registry the service exports to. Each meter carries the tag {@code app} (the exstate app
 * name). A service that defines its own {@link ExstateMetrics} bean keeps it.
 */
@AutoConfiguration(after = ExstateAutoConfiguration.class)
@ConditionalOnClass({ExstateMetrics.class, MeterRegistry.class})
public class ExstateMetricsAutoConfiguration {

    @Bean
    @ConditionalOnBean(StateRuntime.class)
    @ConditionalOnMissingBean
    public ExstateMetrics exstateMetrics(StateRuntime runtime) {
        return new ExstateMetrics(runtime);
    }
}
