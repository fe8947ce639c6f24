package dev.exstate.health;

/**
 * The liveness and readiness model of one replica, as plain Java a framework can expose.
 *
 * <p>Liveness never touches a backend: a replica whose Redis is down is still alive and must not
 * be restarted for it. Readiness is false while any registered indicator is DOWN (breaker open,
 * first config not loaded) or once {@link #startDraining()} was called on shutdown. Thread-safe.
 */
public final class Health {

    public Health() {
    }

    /** Adds an indicator that readiness consults. */
    public void register(HealthIndicator indicator) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Always UP unless the runtime was closed: it does no I/O. */
    public HealthReport liveness() {
        throw new UnsupportedOperationException("TODO");
    }

    /** UP when no indicator is DOWN and the replica is not draining. */
    public HealthReport readiness() {
        throw new UnsupportedOperationException("TODO");
    }

    /** First step of shutdown: readiness turns false so the load balancer stops sending traffic. */
    public void startDraining() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Liveness turns false too: the replica is shut down. */
    public void markStopped() {
        throw new UnsupportedOperationException("TODO");
    }
}
