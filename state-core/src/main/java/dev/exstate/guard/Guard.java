package dev.exstate.guard;

import dev.exstate.health.BackendHealth;
import dev.exstate.health.HealthIndicator;
import dev.exstate.time.StateClock;
import java.time.Duration;
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
 * <p>Thread-safe. The synchronous methods ({@link #call}, {@link #await}) are timed on the
 * caller's own thread: it waits on the attempt for the time left, and when the deadline passes it
 * cancels the attempt and applies the fallback itself, so it never waits longer than the policy's
 * {@code totalTimeout} (or the {@link Deadline} given) plus the time to be scheduled again.
 * Retries and their backoff run on the caller's thread too. {@link #await} adds no thread hop and
 * no timer; {@link #call} runs its blocking body on the guard's pool (at most
 * {@code maxConcurrentCalls} threads, none kept while idle) and interrupts it when abandoned.
 * {@link #callAsync} never blocks; it is timed by the guard's one timer thread, started on first use.
 *
 * <p>With {@link GuardPolicy.Builder#adaptiveTimeout} each operation's per-attempt timeout follows
 * its measured latency within the policy's bounds ({@link #timeout(Operation)} tells the current
 * one); with {@link GuardPolicy.Builder#hedgeAfter} a read made with {@link #await} that has not
 * answered in time is sent a second time, and the first success answers. {@link GuardAdvisor}
 * turns the measured latency into advice.
 *
 * <p>Failures are reported as {@link StateUnavailableException} and its subclasses
 * ({@link StateTimeoutException}, {@link CircuitOpenException}, {@link BulkheadFullException}).
 * Exceptions the failure predicate does not count as backend failures (by default those
 * {@link #isBackendFailure} rejects: bad input, precondition failed, bad data) pass through
 * unchanged, are not retried and do not trip the breaker.
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

    /**
     * The default failure predicate: whether {@code failure}, thrown by a body, means "the backend
     * failed". True for everything except {@link IllegalArgumentException},
     * {@link IllegalStateException}, {@link UnsupportedOperationException} and
     * {@link StateDataException} (and their subclasses): bad input, a failed precondition, or a
     * healthy backend holding unexpected data; none of them is an outage. A custom predicate can
     * build on it:
     * {@code builder.failurePredicate(t -> Guard.isBackendFailure(t) && !(t instanceof MyRejection))}.
     */
    public static boolean isBackendFailure(Throwable failure) {
        return !(failure instanceof IllegalArgumentException || failure instanceof IllegalStateException
                || failure instanceof UnsupportedOperationException || failure instanceof StateDataException);
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

    /**
     * Sync view of {@link #callAsync}: starts the attempt on the calling thread and waits on it
     * there, bounded by the policy's total timeout; throws the typed exception on failure.
     */
    public <T> T await(Operation operation, Supplier<? extends CompletionStage<T>> body) {
        return engine.await(operation, body, Fallback.failFast());
    }

    /** As {@link #await(Operation, Supplier)}; on backend failure, including the deadline passing, applies {@code fallback}. */
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

    /**
     * A deadline {@code totalTimeout} from now, for an operation made of several calls: pass it to
     * each of them ({@link #await(Operation, Deadline, Supplier)}) and the operation as a whole
     * ends by then.
     */
    public Deadline deadline() {
        return new Deadline(System.nanoTime(), policy().totalTimeout());
    }

    /**
     * As {@link #await(Operation, Supplier)}, bounded by {@code deadline} instead of a total
     * timeout of its own. Each attempt still has at most the policy's {@code timeout}. If the
     * deadline has passed already, fails with {@link StateTimeoutException} without calling the
     * backend. Errors report the time since the deadline was created.
     */
    public <T> T await(Operation operation, Deadline deadline, Supplier<? extends CompletionStage<T>> body) {
        return await(operation, deadline, body, Fallback.failFast());
    }

    /** As {@link #await(Operation, Deadline, Supplier)}; on backend failure applies {@code fallback}. */
    public <T> T await(Operation operation, Deadline deadline, Supplier<? extends CompletionStage<T>> body,
                       Fallback<T> fallback) {
        java.util.Objects.requireNonNull(deadline, "deadline");
        return engine.await(operation, deadline.startNanos, deadline.endNanos, body, fallback);
    }

    /**
     * Tells {@code observer} about every call this guard finishes from now on, once per call (see
     * {@link GuardObserver} for what it is told, and on which thread). Observers may be added and
     * removed at any time; a call in progress reports to those registered when it started.
     *
     * @return a handle whose {@code close()} removes the observer (idempotent)
     */
    public AutoCloseable addObserver(GuardObserver observer) {
        return engine.addObserver(observer);
    }

    /**
     * The per-attempt timeout calls of {@code operation} get now: the policy's {@code timeout}, or
     * with {@link GuardPolicy.Builder#adaptiveTimeout} the one measured for it (its maximum until
     * it was measured).
     */
    public Duration timeout(Operation operation) {
        return engine.timeout(java.util.Objects.requireNonNull(operation, "operation"));
    }

    /** Counts of calls, failures, timeouts, rejections, retries, fallbacks and hedges so far. */
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

    /**
     * One deadline shared by the steps of a multi-step operation (a read, then a compare-and-set
     * retried under contention), so that the whole operation, not each step, is bounded by one
     * total timeout. Get one from {@link Guard#deadline()}. Immutable and thread-safe. Measured
     * with {@link System#nanoTime()}: wall-clock changes do not move it.
     */
    public static final class Deadline {
        private final long startNanos;
        private final long endNanos;
        private final Duration total;

        private Deadline(long startNanos, Duration total) {
            this.startNanos = startNanos;
            this.endNanos = startNanos + total.toNanos();
            this.total = total;
        }

        /** The whole time this deadline allows, counted from its creation. */
        public Duration total() {
            return total;
        }

        /** Time left; zero once the deadline has passed. */
        public Duration remaining() {
            return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
        }

        /** True once the deadline has passed. */
        public boolean hasPassed() {
            return endNanos - System.nanoTime() <= 0;
        }

        @Override
        public String toString() {
            return "Deadline[" + remaining().toMillis() + " of " + total.toMillis() + " ms left]";
        }
    }

    /** Builder for {@link Guard}. */
    public static final class Builder {
        private final String backend;
        private GuardPolicy policy = GuardPolicy.defaults();
        private StateClock clock = StateClock.system();
        private Predicate<Throwable> isBackendFailure = Guard::isBackendFailure;

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
         * The default is {@link Guard#isBackendFailure}.
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
