package dev.exstate.spring.boot.internal;

import dev.exstate.internal.Redaction;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeanInstantiationException;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.ConfigurationPropertiesBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindingPostProcessor;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindMethod;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.util.ClassUtils;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Binds the existing {@code @ConfigurationProperties} singletons of a context again, without Spring
 * Cloud: only those whose prefix covers a changed key, through Boot's own
 * {@link ConfigurationPropertiesBindingPostProcessor} (so {@code @Validated}, ignore-unknown and
 * ignore-invalid settings apply as at start-up). Beans not yet created are left alone (they bind
 * the live values when created), and so are constructor-bound ones, which cannot change.
 *
 * <p>A bean whose class carries {@code @ConfigurationProperties} and has a no-argument constructor
 * is first bound to a new instance of that class: if that fails (a value that does not convert, or
 * fails validation) the bean keeps all of its previous values. Other beans (a third-party type from
 * a {@code @Bean} method) are bound directly, so a failure may leave some of their properties new.
 * Errors name the property and never show a value.
 */
final class PropertiesRebinder {
    private static final Logger log = LoggerFactory.getLogger(PropertiesRebinder.class);
    private static final int KEYS_SHOWN = 20;

    private final ConfigurableApplicationContext context;
    private final ConfigurableListableBeanFactory beanFactory;

    PropertiesRebinder(ConfigurableApplicationContext context) {
        this.context = context;
        this.beanFactory = context.getBeanFactory();
    }

    /** What one rebind did, by bean name. */
    record Outcome(List<String> rebound, List<String> kept, List<String> constructorBound) {
    }

    /**
     * Rebinds the beans whose prefix covers one of {@code keys}.
     *
     * @param createdEarly at start-up: the beans that existed before the live config was attached
     *                     (a constructor-bound one among them never saw the live values); null for a change
     */
    Outcome rebind(Collection<String> keys, long revision, Set<String> createdEarly) {
        boolean failFast = createdEarly != null;
        List<ConfigurationPropertyName> changed = names(keys);
        List<String> rebound = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> constructorBound = new ArrayList<>();
        if (changed.isEmpty() || !context.containsBean(ConfigurationPropertiesBindingPostProcessor.BEAN_NAME)) {
            return new Outcome(rebound, kept, constructorBound);
        }
        ConfigurationPropertiesBindingPostProcessor binder = context.getBean(
                ConfigurationPropertiesBindingPostProcessor.BEAN_NAME, ConfigurationPropertiesBindingPostProcessor.class);
        for (String name : beanFactory.getSingletonNames()) {
            if (beanFactory.isCurrentlyInCreation(name)) {
                continue;
            }
            Object bean = beanFactory.getSingleton(name);
            ConfigurationPropertiesBean props = bean == null ? null : describe(bean, name);
            if (props == null) {
                continue;
            }
            String prefix = props.getAnnotation().prefix();
            if (!covers(prefix, changed)) {
                continue;
            }
            if (props.asBindTarget().getBindMethod() == BindMethod.VALUE_OBJECT) {
                constructorBound.add(name);
                if (createdEarly == null) {
                    log.info("config revision {}: bean '{}' (@ConfigurationProperties \"{}\") is constructor-bound and keeps "
                            + "the values it was created with until restart; changed keys under its prefix: {}",
                            revision, name, prefix, shown(keysUnder(prefix, keys)));
                } else if (createdEarly.contains(name)) {
                    log.warn("bean '{}' (@ConfigurationProperties \"{}\") is constructor-bound and was created before the "
                            + "live config was attached, so it holds the other property sources' values for {}, not the live "
                            + "ones; give it setters (JavaBean binding) to follow the live config", name, prefix,
                            shown(keysUnder(prefix, keys)));
                }
                continue;
            }
            try {
                Object trial = trialInstance(bean);
                if (trial != null) {
                    binder.postProcessBeforeInitialization(trial, name);
                }
                binder.postProcessBeforeInitialization(bean, name);
                rebound.add(name);
            } catch (RuntimeException e) {
                if (failFast) {
                    throw e;
                }
                kept.add(name);
                log.warn("config revision {}: bean '{}' (@ConfigurationProperties \"{}\") keeps its previous values: {}",
                        revision, name, prefix, reason(e));
            }
        }
        return new Outcome(rebound, kept, constructorBound);
    }

    private ConfigurationPropertiesBean describe(Object bean, String name) {
        try {
            return ConfigurationPropertiesBean.get(context, bean, name);
        } catch (RuntimeException e) {
            // a bean Boot cannot describe is not one Boot bound either
            log.debug("bean '{}' not considered for rebinding", name, e);
            return null;
        }
    }

    /** A fresh instance to try the new values on, when the type is a plain properties holder. */
    private static Object trialInstance(Object bean) {
        Class<?> type = ClassUtils.getUserClass(bean);
        if (!MergedAnnotations.from(type, MergedAnnotations.SearchStrategy.TYPE_HIERARCHY).isPresent(ConfigurationProperties.class)) {
            return null;
        }
        try {
            Constructor<?> noArgs = type.getDeclaredConstructor();
            return BeanUtils.instantiateClass(noArgs);
        } catch (NoSuchMethodException | BeanInstantiationException | SecurityException e) {
            return null;
        }
    }

    private static List<ConfigurationPropertyName> names(Collection<String> keys) {
        List<ConfigurationPropertyName> out = new ArrayList<>(keys.size());
        for (String key : keys) {
            ConfigurationPropertyName n = ConfigurationPropertyName.adapt(key, '.');
            if (!n.isEmpty()) {
                out.add(n);
            }
        }
        return out;
    }

    /** A key under the prefix, or the prefix under a key (a whole map or list replaced). */
    private static boolean covers(String prefix, List<ConfigurationPropertyName> changed) {
        ConfigurationPropertyName p = ConfigurationPropertyName.of(prefix);
        for (ConfigurationPropertyName key : changed) {
            if (p.isEmpty() || p.equals(key) || p.isAncestorOf(key) || key.isAncestorOf(p)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> keysUnder(String prefix, Collection<String> keys) {
        return keys.stream().filter(k -> covers(prefix, names(List.of(k)))).sorted().toList();
    }

    static String shown(Collection<String> keys) {
        List<String> sorted = keys.stream().sorted().toList();
        if (sorted.size() <= KEYS_SHOWN) {
            return sorted.toString();
        }
        return sorted.subList(0, KEYS_SHOWN) + " and " + (sorted.size() - KEYS_SHOWN) + " more";
    }

    /** Which property failed and why, without its value (it may be a secret). */
    static String reason(Throwable e) {
        BindException bind = null;
        BindValidationException validation = null;
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException b && bind == null) {
                bind = b;
            }
            if (t instanceof BindValidationException v) {
                validation = v;
            }
            root = t;
        }
        if (validation != null) {
            Set<String> fields = validation.getValidationErrors().getAllErrors().stream()
                    .map(PropertiesRebinder::errorName).collect(Collectors.toCollection(java.util.TreeSet::new));
            return "validation failed on " + fields;
        }
        if (bind != null) {
            String property = bind.getName().toString();
            String why = root == bind ? "" : ": " + root.getClass().getSimpleName()
                    + (Redaction.isSecretName(property) || root.getMessage() == null ? "" : " (" + root.getMessage() + ")");
            return "property " + property + " cannot be bound to " + bind.getTarget().getType() + why;
        }
        return root.getClass().getName();
    }

    private static String errorName(ObjectError error) {
        return error instanceof FieldError f ? error.getObjectName() + "." + f.getField() : error.getObjectName();
    }
}
