package dev.exstate.spring.boot.scheduling;

import java.lang.reflect.Method;
import java.util.Map;
import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Fails start-up when a {@link Leased} {@code @Scheduled} method would be run by a {@code @Scheduled}
 * processor other than exstate's (an application's own replaced Spring's): on every replica, every
 * tick. Checks a bean class only when such a processor exists.
 */
final class LeasedMethodGuard implements BeanPostProcessor, BeanFactoryAware {
    private ConfigurableListableBeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory instanceof ConfigurableListableBeanFactory c ? c : null;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (beanFactory == null || bean instanceof AopInfrastructureBean
                || !beanFactory.containsBeanDefinition(ScheduledProcessorSwap.NAME)
                || LeasedScheduledAnnotationBeanPostProcessor.class.getName()
                        .equals(beanFactory.getBeanDefinition(ScheduledProcessorSwap.NAME).getBeanClassName())) {
            return bean;
        }
        Class<?> type = AopUtils.getTargetClass(bean);
        Map<Method, Boolean> leased = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<Boolean>) m -> AnnotatedElementUtils.hasAnnotation(m, Leased.class)
                        && AnnotatedElementUtils.hasAnnotation(m, Scheduled.class) ? Boolean.TRUE : null);
        if (!leased.isEmpty()) {
            Method m = leased.keySet().iterator().next();
            throw new IllegalStateException("@Leased @Scheduled method " + type.getName() + "#" + m.getName()
                    + " would run on every replica: bean '" + ScheduledProcessorSwap.NAME + "' is not Spring's own "
                    + "@Scheduled processor, so exstate could not take the method over; remove that bean or @Leased");
        }
        return bean;
    }
}
