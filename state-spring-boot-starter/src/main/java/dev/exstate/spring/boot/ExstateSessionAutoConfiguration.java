package dev.exstate.spring.boot;

import dev.exstate.session.SessionStore;
import dev.exstate.spring.boot.session.ExstateSessionRepository;
import dev.exstate.spring.boot.session.HttpSessionProperties;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.session.SessionRepository;
import org.springframework.session.config.annotation.web.http.SpringHttpSessionConfiguration;
import org.springframework.session.web.http.SessionRepositoryFilter;

/**
 * {@code HttpSession} on exstate: in a servlet web application with Spring Session
 * ({@code spring-session-core}) on the class path and a {@link SessionStore} bean, registers an
 * {@link ExstateSessionRepository} and Spring Session's {@code SessionRepositoryFilter}
 * ({@link SpringHttpSessionConfiguration}), which saves each request's changes when the response
 * is committed. Off with {@code exstate.session.http.enabled=false}; a {@code SessionRepository}
 * bean of the application's replaces the repository. The session cookie is Spring Session's
 * (a {@code CookieSerializer} bean, e.g. Boot's from {@code server.servlet.session.cookie.*}, is used).
 */
@AutoConfiguration(after = ExstateAutoConfiguration.class,
        beforeName = "org.springframework.boot.session.autoconfigure.SessionAutoConfiguration")
@ConditionalOnClass({SessionRepository.class, SessionRepositoryFilter.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBooleanProperty(name = "exstate.session.http.enabled", matchIfMissing = true)
@ConditionalOnBean(SessionStore.class)
@EnableConfigurationProperties(HttpSessionProperties.class)
public class ExstateSessionAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(SessionRepository.class)
    public ExstateSessionRepository exstateSessionRepository(SessionStore store, HttpSessionProperties properties,
                                                             BeanFactory beanFactory) {
        List<String> packages = properties.getAttributePackages();
        if (packages.isEmpty() && AutoConfigurationPackages.has(beanFactory)) {
            packages = AutoConfigurationPackages.get(beanFactory);
        }
        ClassLoader classLoader = beanFactory instanceof ConfigurableBeanFactory c && c.getBeanClassLoader() != null
                ? c.getBeanClassLoader() : ExstateSessionRepository.class.getClassLoader();
        return new ExstateSessionRepository(store, packages, classLoader);
    }

    /** Spring Session's filter, unless the application (or Boot's session module) already has one. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(SessionRepositoryFilter.class)
    @Import(SpringHttpSessionConfiguration.class)
    static class FilterConfiguration {
    }
}
