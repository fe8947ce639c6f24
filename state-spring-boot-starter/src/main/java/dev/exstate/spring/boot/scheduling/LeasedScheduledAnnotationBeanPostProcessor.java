package dev.exstate.spring.boot.scheduling;

import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.ApplicationContextEvent;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.annotation.ScheduledAnnotationBeanPostProcessor;
import org.springframework.util.StringValueResolver;

/**
 * Spring's {@code @Scheduled} processor, except that a method also annotated {@link Leased} is
 * checked at once and, when the context has been refreshed (as Spring starts its own tasks), is
 * registered with the {@link LeasedScheduler} bean instead of Spring's scheduler. Installed under
 * Spring's own bean name by {@link ScheduledProcessorSwap}.
 */
class LeasedScheduledAnnotationBeanPostProcessor extends ScheduledAnnotationBeanPostProcessor {
    private static final Logger log = LoggerFactory.getLogger(LeasedScheduledAnnotationBeanPostProcessor.class);

    private final Object lock = new Object();
    // guarded by lock
    private final Map<String, LeasedMethod> byName = new LinkedHashMap<>();
    private final List<LeasedMethod> pending = new ArrayList<>();
    private final Map<Object, List<ScheduledJob>> jobsByBean = new IdentityHashMap<>();
    private LeasedScheduler scheduler;

    private BeanFactory beanFactory;
    private ApplicationContext applicationContext;
    private StringValueResolver resolver;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.beanFactory = beanFactory;
    }

    @Override
    public void setApplicationContext(ApplicationContext applicationContext) {
        super.setApplicationContext(applicationContext);
        this.applicationContext = applicationContext;
    }

    @Override
    public void setEmbeddedValueResolver(StringValueResolver resolver) {
        super.setEmbeddedValueResolver(resolver);
        this.resolver = resolver;
    }

    @Override
    protected void processScheduled(Scheduled scheduled, Method method, Object bean) {
        Leased leased = AnnotatedElementUtils.findMergedAnnotation(method, Leased.class);
        if (leased == null) {
            super.processScheduled(scheduled, method, bean);
            return;
        }
        Optional<LeasedMethod> job = LeasedMethod.of(scheduled, leased, method, bean, resolver);
        if (job.isEmpty()) {
            return;
        }
        LeasedMethod m = job.get();
        LeasedScheduler startedOn;
        synchronized (lock) {
            LeasedMethod other = byName.putIfAbsent(m.jobName(), m);
            if (other != null) {
                throw new IllegalStateException("@Leased @Scheduled methods " + other.where() + " and " + m.where()
                        + " have the same job name '" + m.jobName() + "', so they would share one lease and one "
                        + "record of ticks; give one another name with @Leased(name = \"...\")");
            }
            startedOn = scheduler;
            if (startedOn == null) {
                pending.add(m);
                return;
            }
        }
        // a bean created after the context was refreshed (lazy): scheduled now
        schedule(startedOn, m);
    }

    @Override
    public void onApplicationEvent(ApplicationContextEvent event) {
        super.onApplicationEvent(event);
        if (event instanceof ContextRefreshedEvent && event.getApplicationContext() == applicationContext) {
            start();
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        super.afterSingletonsInstantiated();
        if (applicationContext == null) {
            start();
        }
    }

    @Override
    public void postProcessBeforeDestruction(Object bean, String beanName) {
        super.postProcessBeforeDestruction(bean, beanName);
        List<ScheduledJob> jobs;
        synchronized (lock) {
            jobs = jobsByBean.remove(bean);
        }
        if (jobs != null) {
            jobs.forEach(ScheduledJob::cancel);
        }
    }

    @Override
    public boolean requiresDestruction(Object bean) {
        synchronized (lock) {
            if (jobsByBean.containsKey(bean)) {
                return true;
            }
        }
        return super.requiresDestruction(bean);
    }

    private void start() {
        List<LeasedMethod> toSchedule;
        LeasedScheduler s;
        synchronized (lock) {
            if (scheduler != null || pending.isEmpty()) {
                return;
            }
            s = leasedScheduler();
            scheduler = s;
            toSchedule = List.copyOf(pending);
            pending.clear();
        }
        toSchedule.forEach(m -> schedule(s, m));
    }

    private void schedule(LeasedScheduler s, LeasedMethod m) {
        ScheduledJob job = m.scheduleOn(s);
        synchronized (lock) {
            jobsByBean.computeIfAbsent(m.bean(), b -> new ArrayList<>()).add(job);
        }
        log.info("@Leased @Scheduled method {} runs as exstate job '{}', on one replica per tick", m.where(), m.jobName());
    }

    private LeasedScheduler leasedScheduler() {
        try {
            return beanFactory.getBean(LeasedScheduler.class);
        } catch (BeansException e) {
            throw new IllegalStateException("@Leased @Scheduled methods (" + String.join(", ", byName.keySet())
                    + ") need one dev.exstate.lease.LeasedScheduler bean, which ExstateAutoConfiguration provides: "
                    + e.getMessage(), e);
        }
    }
}
