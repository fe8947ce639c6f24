package dev.exstate.spring.boot;

import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.spring.boot.internal.ConditionalOnAnyProperty;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.RedisSupport;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Redis for sessions and leases, when {@code state-redis} is on the class path and
 * {@code exstate.redis.uri} (or {@code uris}) is set, or a {@link RedisOptions} bean is defined.
 * Beans: {@link RedisOptions} from {@code exstate.redis.*} and the {@link RedisState} made from it,
 * each unless the application defines its own.
 */
@AutoConfiguration(before = ExstateAutoConfiguration.class)
@ConditionalOnClass(RedisState.class)
@EnableConfigurationProperties(ExstateProperties.class)
public class ExstateRedisAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAnyProperty({"exstate.redis.uri", "exstate.redis.uris"})
    public RedisOptions exstateRedisOptions(ExstateProperties properties) {
        return RedisSupport.options(properties.getRedis());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(RedisOptions.class)
    public RedisState exstateRedisState(RedisOptions options) {
        return RedisState.connect(options);
    }

    @Bean
    @ConditionalOnBean(RedisState.class)
    public ExstateBackend exstateRedisBackend(RedisState redis) {
        return RedisSupport.backend(redis);
    }
}
