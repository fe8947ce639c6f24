package dev.exstate.spring.boot;

import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.spring.boot.internal.ConditionalOnAnyProperty;
import dev.exstate.spring.boot.internal.EtcdSupport;
import dev.exstate.spring.boot.internal.ExstateBackend;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * etcd for live config and leases, when {@code state-etcd} is on the class path and
 * {@code exstate.etcd.endpoints} is set, or an {@link EtcdOptions} bean is defined. Beans:
 * {@link EtcdOptions} from {@code exstate.etcd.*} and the {@link EtcdState} made from it, each
 * unless the application defines its own. A {@link ConfigValidator} bean, if there is one, checks
 * every config snapshot (a rejected one leaves the last good one in force).
 */
@AutoConfiguration(before = ExstateAutoConfiguration.class)
@ConditionalOnClass(EtcdState.class)
@EnableConfigurationProperties(ExstateProperties.class)
public class ExstateEtcdAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAnyProperty("exstate.etcd.endpoints")
    public EtcdOptions exstateEtcdOptions(ExstateProperties properties) {
        return EtcdSupport.options(properties.getEtcd());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(EtcdOptions.class)
    public EtcdState exstateEtcdState(EtcdOptions options) {
        return EtcdState.connect(options);
    }

    @Bean
    @ConditionalOnBean(EtcdState.class)
    public ExstateBackend exstateEtcdBackend(EtcdState etcd, ObjectProvider<ConfigValidator> validator) {
        return EtcdSupport.backend(etcd, validator.getIfAvailable(ConfigValidator::acceptAll));
    }
}
