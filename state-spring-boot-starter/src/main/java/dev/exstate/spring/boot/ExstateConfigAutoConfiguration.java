package dev.exstate.spring.boot;

import dev.exstate.config.ConfigValidator;
import dev.exstate.spring.boot.internal.ConditionalOnAnyProperty;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.FileConfigSupport;
import dev.exstate.spring.boot.internal.LiveConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Live config in the Spring {@code Environment}, without Spring Cloud.
 *
 * <ul>
 *   <li>{@code exstate.config.file}: when etcd is not configured, the runtime's config is that
 *       properties file, watched for changes (setting both fails start-up). A {@link ConfigValidator}
 *       bean checks its snapshots as it checks etcd's.</li>
 *   <li>The runtime's config source (etcd or the file) becomes the property source
 *       {@code exstate-config}, first by default ({@code exstate.config.property-source}:
 *       {@code first}, {@code last}, {@code none}), so {@code environment.getProperty} and
 *       {@code @ConfigurationProperties} beans see live values, with Boot's relaxed binding.</li>
 *   <li>On each accepted change the JavaBean-style {@code @ConfigurationProperties} beans whose
 *       prefix covers a changed key are bound again, then an {@link ExstateConfigChangedEvent} is
 *       published. A snapshot the validator refuses changes nothing. Constructor-bound properties
 *       and {@code @Value} fields keep the values they were created with.</li>
 * </ul>
 */
@AutoConfiguration(after = ExstateAutoConfiguration.class)
@EnableConfigurationProperties(ExstateProperties.class)
public class ExstateConfigAutoConfiguration {

    @Bean
    @ConditionalOnAnyProperty("exstate.config.file")
    public ExstateBackend exstateFileConfigBackend(ExstateProperties properties, ObjectProvider<ConfigValidator> validator) {
        return FileConfigSupport.backend(properties.getConfig(), validator.getIfAvailable(ConfigValidator::acceptAll));
    }

    /** A post-processor, so it is static: it attaches the property source as soon as the runtime exists. */
    @Bean
    public static LiveConfig exstateLiveConfig() {
        return new LiveConfig();
    }
}
