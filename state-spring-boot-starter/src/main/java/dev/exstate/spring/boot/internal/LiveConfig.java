package dev.exstate.spring.boot.internal;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.spring.boot.ExstateConfigChangedEvent;
import dev.exstate.spring.boot.ExstateProperties.PropertySourceOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;

/**
 * Live config in Spring: the runtime's {@link ConfigSource} as the property source
 * {@value ExstateConfigPropertySource#NAME}, and on every accepted change the
 * {@code @ConfigurationProperties} beans under the changed keys rebound and an
 * {@link ExstateConfigChangedEvent} published.
 *
 * <p>Attached as soon as the {@link StateRuntime} bean exists (this is a bean post-processor), so
 * beans created after it bind the live values directly. When this lifecycle starts (after every
 * singleton, before the web server), the beans under the live keys are bound once more: that
 * covers beans created before the runtime, and changes accepted while starting, which are then
 * published as one event. A binding error at that point fails start-up, as it would have when the
 * bean was created; later it is logged and the bean keeps its values. A constructor-bound bean
 * created before the runtime cannot be given the live values: it is named in a WARN. Only a config source the
 * runtime was built with (etcd, a file, a customizer's) is followed: an unconfigured in-memory one
 * is not created just for this.
 */
public final class LiveConfig implements BeanPostProcessor, ApplicationContextAware, SmartLifecycle, DisposableBean {
    /** Starts before the web server takes requests, stops after the runtime has closed. */
    public static final int PHASE = -4096;
    private static final Logger log = LoggerFactory.getLogger(LiveConfig.class);
    private static final String ORDER = "exstate.config.property-source";

    private final Object lock = new Object();
    private ConfigurableApplicationContext context;

    // guarded by lock
    private Attached attached;
    private boolean running;
    private Pending pending;

    @Override
    public void setApplicationContext(ApplicationContext applicationContext) {
        this.context = (ConfigurableApplicationContext) applicationContext;
        FileConfigSupport.requireOneConfigSource(context.getEnvironment());
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof StateRuntime runtime) {
            attach(runtime);
        }
        return bean;
    }

    private void attach(StateRuntime runtime) {
        ConfigurableEnvironment env = context.getEnvironment();
        PropertySourceOrder order = Binder.get(env).bind(ORDER, PropertySourceOrder.class).orElse(PropertySourceOrder.FIRST);
        if (order == PropertySourceOrder.NONE) {
            return;
        }
        ConfigSource source = configuredSource(runtime);
        if (source == null) {
            log.debug("StateRuntime '{}' has no config backend: no live property source", runtime.appName());
            return;
        }
        synchronized (lock) {
            if (attached != null) {
                return;
            }
            ExstateConfigPropertySource propertySource = new ExstateConfigPropertySource(source);
            AutoCloseable subscription = source.subscribe(this::onChange);
            propertySource.update(loaded(source));
            MutablePropertySources sources = env.getPropertySources();
            if (order == PropertySourceOrder.FIRST) {
                sources.addFirst(propertySource);
                // Boot's relaxed-name view of all sources stays in front
                ConfigurationPropertySources.attach(env);
            } else {
                sources.addLast(propertySource);
            }
            attached = new Attached(propertySource, subscription, new PropertiesRebinder(context),
                    Set.of(context.getBeanFactory().getSingletonNames()));
            pending = new Pending(propertySource.revision(), new TreeSet<>(), true);
            log.info("live config from {} is the property source '{}' ({} precedence), revision {}",
                    source.health().component(), ExstateConfigPropertySource.NAME, order.name().toLowerCase(java.util.Locale.ROOT),
                    propertySource.revision());
            if (running) {
                // a runtime created lazily, after start
                flush();
            }
        }
    }

    /** The config source the runtime was built with, or null if it has none (it would be in memory). */
    private static ConfigSource configuredSource(StateRuntime runtime) {
        List<ConfigSource> found = new ArrayList<>(1);
        AtomicBoolean now = new AtomicBoolean(true);
        // parts already built are passed at once, on this thread; later ones (an in-memory
        // source created on first use) are not followed
        runtime.onBuilt(part -> {
            if (now.get() && part instanceof ConfigSource s) {
                found.add(s);
            }
        });
        now.set(false);
        return found.isEmpty() ? null : found.get(0);
    }

    private static ConfigSnapshot loaded(ConfigSource source) {
        try {
            return source.isLoaded() ? source.current() : null;
        } catch (ConfigNotLoadedException e) {
            return null;
        }
    }

    /** On the config source's delivery thread, for each accepted change. */
    private void onChange(ConfigChange change) {
        synchronized (lock) {
            Attached a = attached;
            if (a == null || !a.propertySource.update(change.current())) {
                return;
            }
            if (!running) {
                pending.keys.addAll(change.changedKeys());
                return;
            }
            apply(a, change.previous().revision(), change.current().revision(), change.changedKeys(), change.changedKeys(), null);
        }
    }

    @Override
    public void start() {
        synchronized (lock) {
            running = true;
            flush();
        }
    }

    /** Called under lock: applies what accumulated while not running. */
    private void flush() {
        Attached a = attached;
        Pending p = pending;
        if (a == null || p == null) {
            return;
        }
        pending = null;
        Set<String> rebind = new TreeSet<>(p.keys);
        if (p.initial) {
            ConfigSnapshot s = a.propertySource.snapshot();
            if (s != null) {
                rebind.addAll(s.values().keySet());
            }
        }
        apply(a, p.revision, a.propertySource.revision(), p.keys, rebind, p.initial ? a.createdEarly : null);
    }

    /** @param createdEarly at start-up, the beans created before the source was attached; null for a change */
    private void apply(Attached a, long previous, long revision, Set<String> changed, Set<String> rebind, Set<String> createdEarly) {
        PropertiesRebinder.Outcome outcome;
        try {
            outcome = a.rebinder.rebind(rebind, revision, createdEarly);
        } catch (RuntimeException e) {
            if (createdEarly != null) {
                throw e;
            }
            // the values are in the Environment already; the event still tells listeners
            log.warn("config revision {}: rebinding @ConfigurationProperties beans failed", revision, e);
            outcome = new PropertiesRebinder.Outcome(List.of(), List.of(), List.of());
        }
        if (changed.isEmpty()) {
            return;
        }
        log.info("config revision {}: changed {}; rebound {}{}", revision, PropertiesRebinder.shown(changed),
                outcome.rebound(), outcome.kept().isEmpty() ? "" : "; kept previous values of " + outcome.kept());
        try {
            context.publishEvent(new ExstateConfigChangedEvent(context, previous, revision, changed));
        } catch (RuntimeException e) {
            log.warn("config revision {}: a listener of ExstateConfigChangedEvent failed; later changes are still applied",
                    revision, e);
        }
    }

    @Override
    public void stop() {
        synchronized (lock) {
            running = false;
            if (attached != null) {
                pending = new Pending(attached.propertySource.revision(), new TreeSet<>(), false);
            }
        }
    }

    @Override
    public boolean isRunning() {
        synchronized (lock) {
            return running;
        }
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public void destroy() {
        Attached a;
        synchronized (lock) {
            a = attached;
        }
        if (a != null) {
            try {
                a.subscription.close();
            } catch (Exception e) {
                log.debug("unsubscribing from the config source failed", e);
            }
        }
    }

    private record Attached(ExstateConfigPropertySource propertySource, AutoCloseable subscription, PropertiesRebinder rebinder,
                            Set<String> createdEarly) {
    }

    /** Changes accepted while not running: from {@code revision} on, these keys. */
    private record Pending(long revision, Set<String> keys, boolean initial) {
    }
}
