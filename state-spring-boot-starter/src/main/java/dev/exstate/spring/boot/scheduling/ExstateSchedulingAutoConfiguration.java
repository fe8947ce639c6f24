package dev.exstate.spring.boot.scheduling;

import dev.exstate.spring.boot.ExstateAutoConfiguration;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.ScheduledAnnotationBeanPostProcessor;

/**
 * One replica per tick for {@code @Scheduled} methods annotated {@link Leased}: with
 * {@code @EnableScheduling}, Spring's {@code @Scheduled} processor is replaced by one that sends
 * {@link Leased} methods to the {@link dev.exstate.lease.LeasedScheduler} bean and every other
 * method to Spring's scheduler as before. Their runs count in that scheduler's
 * {@link dev.exstate.lease.LeasedScheduler#stats() stats()}.
 */
@AutoConfiguration(after = ExstateAutoConfiguration.class)
@ConditionalOnClass(ScheduledAnnotationBeanPostProcessor.class)
public class ExstateSchedulingAutoConfiguration {

    /** Replaces Spring's {@code @Scheduled} processor (static: it must exist before any bean is created). */
    @Bean
    public static BeanDefinitionRegistryPostProcessor exstateScheduledProcessorSwap() {
        return new ScheduledProcessorSwap();
    }

    /** Fails start-up if a {@link Leased} method would still be run by a processor that is not exstate's. */
    @Bean
    public static BeanPostProcessor exstateLeasedMethodGuard() {
        return new LeasedMethodGuard();
    }
}
