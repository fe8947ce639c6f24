package dev.exstate.health;

/**
 * Something whose state contributes to readiness. {@link #health()} must be cheap and must not
 * perform I/O: it is called on every readiness probe.
 */
@FunctionalInterface
public interface HealthIndicator {
    BackendHealth health();
}
