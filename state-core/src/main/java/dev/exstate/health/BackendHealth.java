package dev.exstate.health;

import java.util.Objects;

/**
 * What this replica last knew about one backend or component. Computed from local state only
 * (breaker state, last call outcome, whether the first config snapshot arrived): reading it
 * never calls the backend.
 *
 * @param component name, e.g. {@code "redis"} or {@code "config"}
 * @param status    UP, DEGRADED (serving, but e.g. breaker half-open) or DOWN
 * @param detail    a short human-readable reason; never contains secrets
 */
public record BackendHealth(String component, Status status, String detail) {

    public BackendHealth {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
    }

    public static BackendHealth up(String component, String detail) {
        return new BackendHealth(component, Status.UP, detail);
    }

    public static BackendHealth degraded(String component, String detail) {
        return new BackendHealth(component, Status.DEGRADED, detail);
    }

    public static BackendHealth down(String component, String detail) {
        return new BackendHealth(component, Status.DOWN, detail);
    }

    /** Health states; only DOWN makes a replica not ready. */
    public enum Status { UP, DEGRADED, DOWN }
}
