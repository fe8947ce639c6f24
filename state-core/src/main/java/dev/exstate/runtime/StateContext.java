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

    /**
     * Like {@link #guard(String)}, but a guard created by this call gets {@code providerDefault}
     * unless the user configured a policy for {@code backend}. Providers whose calls are
     * naturally slower than the general defaults (blob transfers) use this.
     */
    Guard guard(String backend, dev.exstate.guard.GuardPolicy providerDefault);

    /** Adds an indicator to the runtime's readiness. */
    void registerHealth(HealthIndicator indicator);
}
