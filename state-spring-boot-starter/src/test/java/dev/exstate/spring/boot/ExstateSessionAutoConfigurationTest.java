package dev.exstate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.spring.boot.session.ExstateSessionRepository;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.SessionRepository;
import org.springframework.session.web.http.SessionRepositoryFilter;

class ExstateSessionAutoConfigurationTest {
    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class, ExstateSessionAutoConfiguration.class))
            .withPropertyValues("exstate.app-name=shop");

    @Test
    @DisplayName("a servlet web application gets the exstate repository and Spring Session's filter")
    void registersRepositoryAndFilter() {
        web.run(ctx -> {
            assertThat(ctx).hasSingleBean(ExstateSessionRepository.class).hasSingleBean(SessionRepositoryFilter.class);
            assertThat(ctx.getBean(ExstateSessionRepository.class).allowedPackages()).isEmpty();
        });
    }

    @Test
    @DisplayName("exstate.session.http.attribute-packages names the packages whose types attributes may have")
    void attributePackages() {
        web.withPropertyValues("exstate.session.http.attribute-packages=com.shop.cart,com.shop.user").run(ctx ->
                assertThat(ctx.getBean(ExstateSessionRepository.class).allowedPackages())
                        .containsExactly("com.shop.cart", "com.shop.user"));
    }

    @Test
    @DisplayName("nothing is registered when disabled, without Spring Session, or outside a web application")
    void conditions() {
        web.withPropertyValues("exstate.session.http.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(SessionRepository.class).doesNotHaveBean(SessionRepositoryFilter.class));
        web.withClassLoader(new FilteredClassLoader(SessionRepository.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(SessionRepositoryFilter.class));
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class, ExstateSessionAutoConfiguration.class))
                .withPropertyValues("exstate.app-name=shop")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(SessionRepository.class));
    }

    @Test
    @DisplayName("the application's own SessionRepository wins")
    void userRepositoryWins() {
        web.withBean(MapSessionRepository.class, () -> new MapSessionRepository(new java.util.HashMap<>())).run(ctx -> {
            assertThat(ctx).doesNotHaveBean(ExstateSessionRepository.class).hasSingleBean(SessionRepositoryFilter.class);
        });
    }
}
