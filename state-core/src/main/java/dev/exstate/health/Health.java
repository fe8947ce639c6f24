package dev.exstate.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The liveness and readiness model of one replica, as plain Java a framework can expose.
 *
 * <p>Liveness never touches a backend: a replica whose Redis is down is still alive and must not
 * be restarted for it. Readiness is false while any registered indicator is DOWN (breaker open,
 * first config not loaded) or once {@link #startDraining()} was called on shutdown. An indicator
 * that throws counts as DOWN. Thread-safe; probes do no I/O and never block.
 */
public final class Health {
    private final CopyOnWriteArrayList<HealthIndicator> indicators = new CopyOnWriteArrayList<>();
    private volatile boolean draining;
    private volatile boolean stopped;

    public Health() {
    }

    /** Adds an indicator that readiness consults. */
    public void register(HealthIndicator indicator) {
        indicators.add(Objects.requireNonNull(indicator, "indicator"));
    }

    /** Always UP unless the runtime was closed: it does no I/O. */
    public HealthReport liveness() {
        if (stopped) {
            return new HealthReport(false, List.of(), List.of("stopped: runtime closed"));
        }
        return new HealthReport(true, List.of(), List.of());
    }

    /** UP when no indicator is DOWN and the replica is not draining. */
    public HealthReport readiness() {
        List<BackendHealth> components = new ArrayList<>(indicators.size());
        List<String> reasons = new ArrayList<>();
        if (stopped) {
            reasons.add("stopped: runtime closed");
        } else if (draining) {
            reasons.add("draining: shutting down");
        }
        for (HealthIndicator indicator : indicators) {
            BackendHealth h = ask(indicator);
            components.add(h);
            if (h.status() == BackendHealth.Status.DOWN) {
                reasons.add(h.component() + ": " + h.detail());
            }
        }
        return new HealthReport(reasons.isEmpty(), components, reasons);
    }

    private static BackendHealth ask(HealthIndicator indicator) {
        try {
            BackendHealth h = indicator.health();
            return h != null ? h : BackendHealth.down(name(indicator), "health() returned null");
        } catch (RuntimeException e) {
            return BackendHealth.down(name(indicator), "health() threw " + e.getClass().getName());
        }
    }

    private static String name(HealthIndicator indicator) {
        try {
            return String.valueOf(indicator);
        } catch (RuntimeException e) {
            return indicator.getClass().getName();
        }
    }

    /** First step of shutdown: readiness turns false so the load balancer stops sending traffic. */
    public void startDraining() {
        draining = true;
    }

    /** Liveness turns false too: the replica is shut down. */
    public void markStopped() {
        draining = true;
        stopped = true;
    }

    @Override
    public String toString() {
        return "Health[" + indicators.size() + " indicators" + (stopped ? ", stopped" : draining ? ", draining" : "") + "]";
    }
}
