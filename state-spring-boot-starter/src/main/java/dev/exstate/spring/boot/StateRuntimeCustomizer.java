package dev.exstate.spring.boot;

import dev.exstate.runtime.StateRuntime;

/**
 * A bean that adjusts the auto-configured {@link StateRuntime} before it is built, after the
 * {@code exstate.*} properties were applied: for what properties cannot say (a
 * {@code ConfigValidator} is a bean of its own; a clock, a provider of your own, an
 * {@code InMemoryBackend} for tests). Customizers run in {@link org.springframework.core.annotation.Order}.
 *
 * <pre>{@code
 * StateRuntimeCustomizer testClock(ManualClock clock) {   // a @Bean method
 *     return builder -> builder.clock(clock);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface StateRuntimeCustomizer {

    /** Changes {@code builder}; called once, on the thread that creates the runtime bean. */
    void customize(StateRuntime.Builder builder);
}
