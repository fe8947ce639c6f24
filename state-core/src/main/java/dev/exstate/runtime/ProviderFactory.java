package dev.exstate.runtime;

/**
 * Builds a provider (session store, config source, lease provider or blob store) from its
 * options once the {@link StateRuntime} knows the app name, clock and guards.
 */
@FunctionalInterface
public interface ProviderFactory<T> {
    T create(StateContext context);
}
