package dev.exstate.guard;

import dev.exstate.health.BackendHealth;
import dev.exstate.health.HealthIndicator;
import dev.exstate.time.StateClock;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one place where calls to a backend are protected: timeout, circuit breaker, bulkhead,
 * retry (idempotent operations only, jittered backoff, within the total timeout) and fallback.
 * One {@code Guard} per backend per replica: every provider that talks to the same Redis shares
 * its breaker, so one outage opens one breaker.
 *
 * <p>Thread-safe. A blocking {@link #call} never blocks its caller longer than the policy's
 * {@code totalTimeout} (plus scheduling jitter): the body runs on the guard's own bounded
 * thread pool and is abandoned (interrupted) when its deadline passes. Backends with an
 * asynchronous client use {@link #callAsync} / {@link #await}, which add no thread hop.
 *
 * <p>Failures are reported as {@link StateUnavailableException} and its subclasses
 * ({@link StateTimeoutException}, {@link CircuitOpenException}, {@link BulkheadFullException}).
 * Exceptions the failure predicate does not count as backend failures (by default
 * {@link IllegalArgumentException}, {@link IllegalStateException} and {@link UnsupportedOperationException}
 * and their subclasses: bad input, precondition failed) pass through unchanged, are
 * not retried and do not trip the breaker.
 */
public final class Guard implements HealthIndicator, AutoCloseable {

    // Implementation: see dev.exstate.internal.guard
    private final dev.exstate.internal.guard.GuardEngine engine;

    private Guard(dev.exstate.internal.guard.GuardEngine engine) {
        this.engine = engine;
    }

    /** A guard for {@code backend} with {@code policy}, the system clock and the default failure predicate. */
    public static Guard create(String backend, GuardPolicy policy) {
        return builder(backend).policy(policy).build();
    }

    public static Builder builder(String backend) {
        return new Builder(backend);
    }

    /** Name of the protected backend, as it appears in errors. */
    public String backend() {
        return engine.backend();
    }

    public GuardPolicy policy() {
        return engine.policy();
    }

    /** Runs a blocking {@code body}; throws the typed exception on failure. */
    public <T> T call(Operation operation, Callable<T> body) {
        return engine.call(operation, body, Fallback.failFast());
    }

    /** Runs a blocking {@code body}; on backend failure applies {@code fallback}. */
    public <T> T call(Operation operation, Callable<T> body, Fallback<T> fallback) {
        return engine.call(operation, body, fallback);
    }

    /**
     * Runs an asynchronous {@code body} (called once per attempt) and completes with its result,
     * or exceptionally with the typed exception. Never blocks the caller.
     */
    public <T> CompletableFuture<T> callAsync(Operation operation, Supplier<? extends CompletionStage<T>> body) {
        return engine.callAsync(operation, body, Fallback.failFast());
    }

    public <T> CompletableFuture<T> callAsync(Operation operation, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        return engine.callAsync(operation, body, fallback);
    }

    /** Sync view of {@link #callAsync}: waits for the result, bounded by the policy's total timeout. */
    public <T> T await(Operation operation, Supplier<? extends CompletionStage<T>> body) {
        return engine.await(operation, body, Fallback.failFast());
    }

    public <T> T await(Operation operation, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        return engine.await(operation, body, fallback);
    }

    /**
     * Tells the guard that the backend answers again (a provider calls this when its connection
     * is re-established). An OPEN breaker moves to HALF_OPEN at once, so the next calls probe the
     * backend instead of failing fast for the rest of {@code waitInOpenState}; the probes then
     * close or re-open it as usual. Does nothing in any other state. Never calls the backend.
     */
    public void backendReachable() {
        engine.backendReachable();
    }

    /** Counts of calls, failures, timeouts, rejections, retries and fallbacks so far. */
    public GuardStats stats() {
        return engine.stats();
    }

    /**
     * DOWN while the breaker is open, DEGRADED while half-open, otherwise UP. Never calls the
     * backend.
     */
    @Override
    public BackendHealth health() {
        return engine.health();
    }

    /** Stops the guard's threads; calls in flight are interrupted. */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "Guard[" + backend() + "]";
    }

    /** Builder for {@link Guard}. */
    public static final class Builder {
        private final String backend;
        private GuardPolicy policy = GuardPolicy.defaults();
        private StateClock clock = StateClock.system();
        private Predicate<Throwable> isBackendFailure = dev.exstate.internal.guard.GuardEngine.DEFAULT_FAILURE_PREDICATE;

        private Builder(String backend) {
            if (backend == null || backend.isBlank()) {
                throw new IllegalArgumentException("backend name must not be blank");
            }
            this.backend = backend;
        }

        public Builder policy(GuardPolicy policy) {
            this.policy = java.util.Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder clock(StateClock clock) {
            this.clock = java.util.Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Which exceptions thrown by a body mean "the backend failed" (retry if idempotent, count
         * against the breaker, apply the fallback). Others are the caller's problem and pass through.
         * The default counts everything except {@link IllegalArgumentException},
         * {@link IllegalStateException}, {@link UnsupportedOperationException} and {@link StateDataException}.
         */
        public Builder failurePredicate(Predicate<Throwable> isBackendFailure) {
            this.isBackendFailure = java.util.Objects.requireNonNull(isBackendFailure, "isBackendFailure");
            return this;
        }

        public Guard build() {
            return new Guard(new dev.exstate.internal.guard.GuardEngine(backend, policy, clock, isBackendFailure));
        }
    }
}
