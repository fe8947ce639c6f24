package dev.exstate.spring.boot.internal;

import dev.exstate.health.BackendHealth;
import dev.exstate.health.HealthReport;
import dev.exstate.runtime.StateRuntime;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The runtime's readiness as an Actuator indicator ({@code exstate}): UP when the runtime is ready
 * (no backend DOWN, first config snapshot loaded, not shutting down), else DOWN. Details: the app
 * name, one entry per component ({@code redis}, {@code etcd}, {@code s3}, {@code config:etcd},
 * {@code sessions} when in memory, ...) with its status (UP, DEGRADED, DOWN) and exstate's short
 * reason, and the reasons for DOWN. No I/O, nothing blocking: it reads what the runtime last knew.
 * exstate's health details never hold secrets (a Redis address is shown without credentials).
 */
public final class ExstateHealthIndicator implements HealthIndicator {
    private final StateRuntime runtime;

    public ExstateHealthIndicator(StateRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public Health health() {
        HealthReport report = runtime.health().readiness();
        Health.Builder b = report.up() ? Health.up() : Health.down();
        b.withDetail("app", runtime.appName());
        b.withDetail("components", components(report));
        if (!report.reasons().isEmpty()) {
            b.withDetail("reasons", report.reasons());
        }
        return b.build();
    }

    /** One entry per component name; a guard and a provider on one backend share its name and are merged. */
    private static Map<String, Map<String, String>> components(HealthReport report) {
        Map<String, BackendHealth> merged = new LinkedHashMap<>();
        for (BackendHealth h : report.components()) {
            merged.merge(h.component(), h, ExstateHealthIndicator::worse);
        }
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        merged.forEach((name, h) -> {
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("status", h.status().name());
            if (!h.detail().isEmpty()) {
                entry.put("detail", h.detail());
            }
            out.put(name, entry);
        });
        return out;
    }

    private static BackendHealth worse(BackendHealth a, BackendHealth b) {
        BackendHealth.Status status = a.status().ordinal() >= b.status().ordinal() ? a.status() : b.status();
        String detail = a.detail().isEmpty() || a.detail().equals(b.detail()) ? b.detail()
                : b.detail().isEmpty() ? a.detail() : a.detail() + "; " + b.detail();
        return new BackendHealth(a.component(), status, detail);
    }

    @Override
    public String toString() {
        return "ExstateHealthIndicator[" + runtime.appName() + "]";
    }
}
