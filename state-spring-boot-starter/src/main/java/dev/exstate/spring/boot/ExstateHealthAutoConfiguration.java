package dev.exstate.spring.boot;

import dev.exstate.runtime.StateRuntime;
import dev.exstate.spring.boot.internal.ExstateHealthIndicator;
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
 * component, without I/O and without secrets. It is in the readiness group and not in liveness
 * with no property set (see the module's README); {@code management.health.exstate.enabled=false}
 * turns it off.
 */
@AutoConfiguration(after = ExstateAutoConfiguration.class)
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
}
