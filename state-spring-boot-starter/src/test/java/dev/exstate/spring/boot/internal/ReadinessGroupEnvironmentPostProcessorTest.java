package dev.exstate.spring.boot.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

@DisplayName("the exstate indicator joins the readiness group by default, never liveness")
class ReadinessGroupEnvironmentPostProcessorTest {
    private static final String LIVENESS = "management.endpoint.health.group.liveness.include";

    @Test
    @DisplayName("with nothing set, readiness includes Boot's readinessState and exstate; liveness is not touched")
    void addsExstateToReadiness() {
        StandardEnvironment env = process(Map.of());
        assertThat(env.getProperty(ReadinessGroupEnvironmentPostProcessor.INCLUDE)).isEqualTo("readinessState,exstate");
        assertThat(env.getProperty(LIVENESS)).isNull();
        assertThat(env.getPropertySources().stream().reduce((a, b) -> b).orElseThrow().getName())
                .as("the lowest precedence, so any setting of the application wins")
                .isEqualTo(ReadinessGroupEnvironmentPostProcessor.SOURCE);
    }

    @Test
    @DisplayName("an application that sets the readiness group itself decides, in any form")
    void applicationSettingWins() {
        assertThat(process(Map.of(ReadinessGroupEnvironmentPostProcessor.INCLUDE, "readinessState,db"))
                .getProperty(ReadinessGroupEnvironmentPostProcessor.INCLUDE)).isEqualTo("readinessState,db");
        StandardEnvironment indexed = process(Map.of(ReadinessGroupEnvironmentPostProcessor.INCLUDE + "[0]", "db"));
        assertThat(indexed.getPropertySources().contains(ReadinessGroupEnvironmentPostProcessor.SOURCE)).isFalse();
    }

    @Test
    @DisplayName("nothing is added when the indicator or the probes are off (a group naming a missing indicator fails start-up)")
    void nothingWhenOff() {
        for (Map<String, Object> off : java.util.List.<Map<String, Object>>of(
                Map.of("management.health.exstate.enabled", "false"),
                Map.of("management.health.defaults.enabled", "false"),
                Map.of("management.endpoint.health.probes.enabled", "false"))) {
            assertThat(process(off).getProperty(ReadinessGroupEnvironmentPostProcessor.INCLUDE)).as("%s", off).isNull();
        }
        assertThat(process(Map.of("management.health.defaults.enabled", "false", "management.health.exstate.enabled", "true"))
                .getProperty(ReadinessGroupEnvironmentPostProcessor.INCLUDE)).isEqualTo("readinessState,exstate");
    }

    @Test
    @DisplayName("with a budgeted DataSource, readiness includes its indicator too; not without state-hikari")
    void addsTheBudgetIndicatorWhenTheBudgetIsOn() {
        assertThat(process(Map.of("exstate.datasource-budget.connections", "20")).getProperty(ReadinessGroupEnvironmentPostProcessor.INCLUDE))
                .isEqualTo("readinessState,exstate,exstateDataSourceBudget");
        assertThat(process(Map.of("exstate.datasource-budget.connections", " ")).getProperty(ReadinessGroupEnvironmentPostProcessor.INCLUDE))
                .isEqualTo("readinessState,exstate");

        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", new HashMap<>(Map.of("exstate.datasource-budget.connections", "20"))));
        SpringApplication withoutHikari = new SpringApplication();
        withoutHikari.setResourceLoader(new DefaultResourceLoader(new FilteredClassLoader("dev.exstate.hikari")));
        new ReadinessGroupEnvironmentPostProcessor().postProcessEnvironment(env, withoutHikari);
        assertThat(env.getProperty(ReadinessGroupEnvironmentPostProcessor.INCLUDE)).isEqualTo("readinessState,exstate");
    }

    private static StandardEnvironment process(Map<String, Object> settings) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", new HashMap<>(settings)));
        new ReadinessGroupEnvironmentPostProcessor().postProcessEnvironment(env, new SpringApplication());
        return env;
    }
}
