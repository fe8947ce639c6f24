package dev.exstate.runtime;

import dev.exstate.guard.Guard;
import dev.exstate.health.HealthIndicator;
import dev.exstate.time.StateClock;

/** What a {@link ProviderFactory} gets from the {@link StateRuntime}. */
public interface StateContext {

    /** The application name, used to namespace keys ({@code exstate:{app}:...}). */
    String appName();

    StateClock clock();

    /**
     * The one guard for {@code backend} in this runtime, created on first use with the policy
     * configured for it (or the defaults); providers on the same backend share it.
     */
    Guard guard(String backend);

    /** Adds an indicator to the runtime's readiness. */
    void registerHealth(HealthIndicator indicator);
}
