package dev.exstate.spring.boot.scheduling;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.ScheduledAnnotationBeanPostProcessor;
import org.springframework.scheduling.annotation.SchedulingConfiguration;
import org.springframework.scheduling.config.TaskManagementConfigUtils;

/**
 * Puts {@link LeasedScheduledAnnotationBeanPostProcessor} in place of the {@code @Scheduled}
 * processor that {@code @EnableScheduling} registers, under the same bean name, so that Spring's
 * scheduler never runs a {@link Leased} method. Without {@code @EnableScheduling} there is nothing
 * to replace and no {@code @Scheduled} method runs at all, as in Spring. If that bean is not
 * Spring's own (an application replaced it), it is left alone, and a {@link Leased} method then
 * fails start-up rather than run on every replica ({@link LeasedMethodGuard}).
 */
final class ScheduledProcessorSwap implements BeanDefinitionRegistryPostProcessor, Ordered {
    private static final Logger log = LoggerFactory.getLogger(ScheduledProcessorSwap.class);
    static final String NAME = TaskManagementConfigUtils.SCHEDULED_ANNOTATION_PROCESSOR_BEAN_NAME;

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
        if (!registry.containsBeanDefinition(NAME)) {
            return;
        }
        BeanDefinition existing = registry.getBeanDefinition(NAME);
        if (!isSpringsOwn(registry, existing)) {
            log.warn("bean '{}' is not Spring's own @Scheduled processor ({}); @Leased methods cannot be taken over and "
                    + "fail start-up", NAME, existing.getResourceDescription());
            return;
        }
        RootBeanDefinition replacement = new RootBeanDefinition(LeasedScheduledAnnotationBeanPostProcessor.class);
        replacement.setRole(BeanDefinition.ROLE_INFRASTRUCTURE);
        replacement.setDescription("Spring's @Scheduled processor; @Leased methods go to exstate's LeasedScheduler");
        registry.removeBeanDefinition(NAME);
        registry.registerBeanDefinition(NAME, replacement);
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    private static boolean isSpringsOwn(BeanDefinitionRegistry registry, BeanDefinition definition) {
        if (ScheduledAnnotationBeanPostProcessor.class.getName().equals(definition.getBeanClassName())) {
            return true;
        }
        String factoryBean = definition.getFactoryBeanName();
        if (!"scheduledAnnotationProcessor".equals(definition.getFactoryMethodName()) || factoryBean == null
                || !registry.containsBeanDefinition(factoryBean)) {
            return false;
        }
        return SchedulingConfiguration.class.getName().equals(registry.getBeanDefinition(factoryBean).getBeanClassName());
    }
}
