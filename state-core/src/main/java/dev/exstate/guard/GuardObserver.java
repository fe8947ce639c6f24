package dev.exstate.guard;

import java.time.Duration;
import java.util.Objects;

/**
 * Told once about every call a {@link Guard} finished: which operation, how it ended, how many
 * retries it took and how long the caller waited. For metrics and logs; register one with
 * {@link Guard#addObserver}, or on every guard of a runtime through
 * {@link dev.exstate.runtime.StateRuntime#onBuilt}.
 *
 * <p>What an observer can rely on:
 * <ul>
 *   <li>one notice per call started ({@code call}, {@code await}, {@code callAsync}), not per
 *       attempt; calls refused because the guard is closed or the caller was interrupted before
 *       the call began are not calls and are not reported;</li>
 *   <li>the notice comes on the thread that ends the call (the caller's for {@code call} and
 *       {@code await}; for {@code callAsync} the thread that completes the future) before the
 *       caller sees the result, so it must be quick and must not block;</li>
 *   <li>whatever an observer throws is caught and logged (once per guard and observer), and never
 *       changes the call's result.</li>
 * </ul>
 * A guard without observers does no extra work per call.
 */
@FunctionalInterface
public interface GuardObserver {

    /** One finished call. */
    void onCall(Call call);

    /** How a guarded call ended, before any fallback. */
    enum Outcome {
        /** The backend answered. */
        SUCCESS,
        /** The backend failed (an exception the failure predicate counts), after any retries. */
        FAILURE,
        /** The last attempt ran out of time (the per-attempt or the total timeout). */
        TIMEOUT,
        /** Refused at once by the open (or half-open and busy) circuit breaker; the backend was not called. */
        CIRCUIT_OPEN,
        /** No bulkhead slot (or no guard thread) came free in time; local overload, not a backend failure. */
        BULKHEAD_FULL,
        /**
         * The body threw an exception the failure predicate does not count (bad input, a failed
         * precondition, bad data): passed to the caller unchanged, not the backend's fault.
         */
        CALLER_ERROR,
        /** The caller's thread was interrupted, or the guard closed, while the call was in flight. */
        ABANDONED
    }

    /**
     * One finished call.
     *
     * @param backend       the guard's backend name, e.g. {@code "redis"}
     * @param operation     the operation as the provider named it, e.g. {@code session.find}
     * @param outcome       how the call ended, before any fallback
     * @param fallback      whether a fallback (a default value, or a stale near-cache entry)
     *                      answered the caller instead of an exception; only after
     *                      {@link Outcome#FAILURE}, {@link Outcome#TIMEOUT},
     *                      {@link Outcome#CIRCUIT_OPEN} or {@link Outcome#BULKHEAD_FULL}
     * @param retries       extra attempts that ran (0 if the first attempt decided the call)
     * @param durationNanos how long the call took, from its start to its result, retries and
     *                      backoff included (monotonic clock)
     */
    record Call(String backend, Operation operation, Outcome outcome, boolean fallback, int retries, long durationNanos) {
        public Call {
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(outcome, "outcome");
        }

        /** {@link #durationNanos()} as a {@link Duration}. */
        public Duration duration() {
            return Duration.ofNanos(durationNanos);
        }
    }
}
