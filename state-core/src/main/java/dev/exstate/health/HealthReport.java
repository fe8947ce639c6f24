package dev.exstate.health;

import java.util.List;

/**
 * The answer to a liveness or readiness probe, as a plain object a framework can render
 * (HTTP 200 when {@code up}, 503 otherwise).
 *
 * @param up         the probe's verdict
 * @param components what each contributor said
 * @param reasons    why the verdict is DOWN; empty when up
 */
public record HealthReport(boolean up, List<BackendHealth> components, List<String> reasons) {
    public HealthReport {
        components = List.copyOf(components);
        reasons = List.copyOf(reasons);
    }
}
