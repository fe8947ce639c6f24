package dev.exstate.guard;

import dev.exstate.cache.NearCache;
import java.util.Objects;

/**
 * What a {@link Guard} does when a call fails with a {@link StateUnavailableException} (down,
 * timeout, breaker open, bulkhead full). Errors that are the caller's fault (bad input,
 * precondition failed, not found) are never replaced by a fallback.
 *
 * @param <T> the call's result type
 */
public sealed interface Fallback<T> permits Fallback.FailFast, Fallback.Value, Fallback.Stale {

    /** Throw the typed exception. The default. */
    static <T> Fallback<T> failFast() {
        return new FailFast<>();
    }

    /** Return {@code value} instead (a safe default such as "feature off"). */
    static <T> Fallback<T> value(T value) {
        return new Value<>(value);
    }

    /**
     * Serve the value cached under {@code key} if it is at most the policy's
     * {@link GuardPolicy#maxStaleness()} stale; otherwise throw. Counted as stale-served in the
     * cache's statistics.
     */
    static <K, T> Fallback<T> staleFrom(NearCache<K, T> cache, K key) {
        return new Stale<>(cache, key);
    }

    record FailFast<T>() implements Fallback<T> {
    }

    record Value<T>(T value) implements Fallback<T> {
    }

    record Stale<K, T>(NearCache<K, T> cache, K key) implements Fallback<T> {
        public Stale {
            Objects.requireNonNull(cache, "cache");
            Objects.requireNonNull(key, "key");
        }
    }
}
