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

    /**
     * The guard for {@code backend} of a provider whose options carry a guard policy: a guard
     * created by this call gets the runtime's policy for {@code backend} if the user configured
     * one, else {@code optionsPolicy}. The options' policy counts as set by the user when it
     * differs from {@code providerDefault}; if it is set and differs from the runtime's policy,
     * or from the policy the shared guard already has, this throws. Every provider module calls
     * this, so one rule decides for all of them (see {@link StateRuntime}).
     *
     * @throws IllegalStateException naming the backend and both policies, if they conflict
     */
    Guard guard(String backend, dev.exstate.guard.GuardPolicy providerDefault, dev.exstate.guard.GuardPolicy optionsPolicy);

    /** Adds an indicator to the runtime's readiness. */
    void registerHealth(HealthIndicator indicator);
}
