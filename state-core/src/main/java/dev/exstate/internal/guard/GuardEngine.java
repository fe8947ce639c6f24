package dev.exstate.internal.guard;

import dev.exstate.guard.Fallback;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.GuardStats;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Implementation of {@link dev.exstate.guard.Guard}. Not API.
 *
 * <p>Order of protection per attempt: circuit breaker (fail fast), bulkhead slot (bounded wait),
 * then the body with its per-attempt deadline. Retries wrap all three, so a retry asks the breaker
 * and the bulkhead again. Deadlines and elapsed times use {@link System#nanoTime()} because the
 * caller really waits; the {@link StateClock} drives the breaker's open-state wait and the
 * timestamps in {@link #health()}, so that tests can move it.
 *
 * <p>Every breaker permission acquired is settled exactly once: {@code onSuccess}, {@code onError}
 * (backend failures and timeouts) or {@code releasePermission} (caller errors, bulkhead refusals,
 * interruptions). Bulkhead refusals are local overload, not backend failures, so they never count
 * against the breaker.
 */
public final class GuardEngine {
    // caller errors and data errors (the backend answered; what it holds is bad) are not outages
    public static final Predicate<Throwable> DEFAULT_FAILURE_PREDICATE = t ->
            !(t instanceof IllegalArgumentException || t instanceof IllegalStateException
                    || t instanceof UnsupportedOperationException || t instanceof dev.exstate.guard.StateDataException);

    private static final Logger log = LoggerFactory.getLogger(Guard.class);

    /** How much longer than totalTimeout {@code await} waits for the scheduler to deliver. */
    private static final long AWAIT_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A retry is only worth it if at least this much of the total timeout is left. */
    private static final long MIN_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final TimeoutException ATTEMPT_TIMED_OUT = new StacklessTimeout("attempt timed out");

    private final String backend;
    private final GuardPolicy policy;
    private final StateClock clock;
    private final Predicate<Throwable> isBackendFailure;

    private final long timeoutNanos;
    private final long totalNanos;
    private final long maxWaitNanos;
    private final long backoffNanos;
    private final long minAttemptNanos;

    private final CircuitBreaker breaker;
    private final ThreadPoolExecutor pool;
    private final ScheduledThreadPoolExecutor scheduler;
    private final Slots slots;
    private final Set<AsyncCall<?>> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private final LongAdder calls = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();

    // What the breaker looked like when it last opened, for messages and health.
    private volatile long openedAtNanos;
    private volatile Instant openedAt = Instant.EPOCH;
    private volatile String openReason = "";
    private volatile String lastFailure = "none";

    public GuardEngine(String backend, GuardPolicy policy, StateClock clock, Predicate<Throwable> isBackendFailure) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.isBackendFailure = Objects.requireNonNull(isBackendFailure, "isBackendFailure");

        this.timeoutNanos = policy.timeout().toNanos();
        this.totalNanos = policy.totalTimeout().toNanos();
        this.maxWaitNanos = policy.maxWaitForSlot().toNanos();
        this.backoffNanos = policy.retryBackoff().toNanos();
        this.minAttemptNanos = Math.min(timeoutNanos, MIN_ATTEMPT_NANOS);

        this.breaker = CircuitBreaker.of("exstate-" + backend, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(policy.slidingWindowSize())
                .minimumNumberOfCalls(policy.minimumNumberOfCalls())
                .failureRateThreshold(policy.failureRateThreshold())
                .waitDurationInOpenState(policy.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(policy.permittedCallsInHalfOpenState())
                // Open -> half-open happens on the next call, judged by our clock; no R4j timer thread.
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                // Slowness is judged by our timeouts, not by a second threshold.
                .slowCallRateThreshold(100)
                .slowCallDurationThreshold(Duration.ofDays(1))
                .writableStackTraceEnabled(false)
                .clock(new MonotonicClock(clock))
                .build());
        this.breaker.getEventPublisher().onStateTransition(e -> onBreakerTransition(
                e.getStateTransition().getFromState(), e.getStateTransition().getToState()));

        int max = policy.maxConcurrentCalls();
        // The bulkhead admits at most max bodies, so max threads and a queue of max suffice.
        this.pool = new ThreadPoolExecutor(max, max, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(max), threads("exstate-guard-" + backend + "-"));
        this.pool.allowCoreThreadTimeOut(true);
        this.scheduler = new ScheduledThreadPoolExecutor(1, threads("exstate-guard-" + backend + "-scheduler-"));
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.slots = new Slots("exstate-" + backend, max, scheduler);
    }

    public String backend() {
        return backend;
    }

    public GuardPolicy policy() {
        return policy;
    }

    // ---------------------------------------------------------------------------------------
    // Blocking calls

    public <T> T call(Operation op, Callable<T> body, Fallback<T> fallback) {
        Objects.requireNonNull(op, "operation");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(fallback, "fallback");
        long start = System.nanoTime();
        if (closed) {
            throw closedException(op, start);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw interruptedException(op, start, null);
        }
        calls.increment();
        long deadline = start + totalNanos;
        int maxAttempts = maxAttempts(op);
        Failure last = null;
        for (int attempt = 1; ; attempt++) {
            Failure refused;
            try {
                refused = admitBlocking(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interruptedException(op, start, e);
            }
            if (refused != null) {
                if (last == null) {
                    rejected.increment();
                    return resolveBlocking(op, fallback, refused, start);
                }
                last = last.withNote("retry refused: " + refused.message());
                break;
            }
            try {
                T value = runBlocking(op, body, deadline, attempt, maxAttempts, start);
                successes.increment();
                return value;
            } catch (AttemptFailed f) {
                last = f.failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interruptedException(op, start, e);
            }
            if (attempt >= maxAttempts) {
                break;
            }
            long delay = backoffNanos(attempt);
            if (deadline - System.nanoTime() - delay < minAttemptNanos) {
                last = last.withNote(noTimeLeft());
                break;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interruptedException(op, start, e);
            }
            retries.increment();
        }
        failures.increment();
        return resolveBlocking(op, fallback, last, start);
    }

    /** Breaker permission, then a bulkhead slot; returns why the call was refused, or null. */
    private Failure admitBlocking(long deadline) throws InterruptedException {
        if (!breaker.tryAcquirePermission()) {
            return breakerRefusal();
        }
        long wait = slotWait(deadline);
        boolean slot;
        try {
            slot = slots.acquire(wait);
        } catch (InterruptedException e) {
            breaker.releasePermission();
            throw e;
        }
        if (!slot) {
            breaker.releasePermission();
            return bulkheadRefusal(wait);
        }
        return null;
    }

    private <T> T runBlocking(Operation op, Callable<T> body, long deadline, int attempt, int maxAttempts, long start)
            throws AttemptFailed, InterruptedException {
        long attemptNanos = attemptNanos(deadline);
        BlockingAttempt<T> task = new BlockingAttempt<>(body, slots::release);
        long t0 = System.nanoTime();
        try {
            pool.execute(task);
        } catch (RejectedExecutionException e) {
            task.abandon();
            breaker.releasePermission();
            throw closedException(op, start);
        }
        try {
            T value = task.get(attemptNanos, TimeUnit.NANOSECONDS);
            breaker.onSuccess(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            return value;
        } catch (ExecutionException e) {
            Failure f = classify(e.getCause(), System.nanoTime() - t0, attempt, maxAttempts);
            if (f == null) {
                throw sneaky(unwrap(e.getCause()));
            }
            throw new AttemptFailed(f);
        } catch (TimeoutException e) {
            Thread worker = task.runner();
            StackTraceElement[] where = worker == null ? null : worker.getStackTrace();
            task.abandon();
            Throwable cause = null;
            if (where != null) {
                cause = new StacklessTimeout("the attempt was still running in thread " + worker.getName()
                        + "; this stack trace shows where it was blocked");
                cause.setStackTrace(where);
            }
            throw new AttemptFailed(timedOut(System.nanoTime() - t0, attemptNanos, attempt, maxAttempts, cause));
        } catch (InterruptedException e) {
            task.abandon();
            breaker.releasePermission();
            throw e;
        } catch (CancellationException e) {
            breaker.releasePermission();
            throw closedException(op, start);
        }
    }

    private <T> T resolveBlocking(Operation op, Fallback<T> fallback, Failure failure, long start) {
        Resolution<T> r = resolve(fallback, failure);
        if (r.failure() == null) {
            return r.value();
        }
        throw r.failure().toException(backend, op.name(), elapsed(start));
    }

    // ---------------------------------------------------------------------------------------
    // Asynchronous calls

    public <T> CompletableFuture<T> callAsync(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        AsyncCall<T> call = startAsync(op, body, fallback);
        CompletableFuture<T> out = new CompletableFuture<>();
        call.result.whenComplete((value, error) -> {
            if (error == null) {
                out.complete(value);
            } else {
                out.completeExceptionally(error instanceof FailureSignal s ? s.toException() : error);
            }
        });
        return out;
    }

    public <T> T await(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        if (Thread.currentThread().isInterrupted()) {
            throw interruptedException(Objects.requireNonNull(op, "operation"), System.nanoTime(), null);
        }
        AsyncCall<T> call = startAsync(op, body, fallback);
        try {
            return call.result.get(totalNanos + AWAIT_SLACK_NANOS, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof FailureSignal s) {
                throw s.toException(); // created here, so the caller's stack is in the trace
            }
            throw sneaky(cause);
        } catch (TimeoutException e) {
            Failure f = new Failure(Failure.Kind.TIMEOUT,
                    "no answer within total timeout " + ms(totalNanos) + " ms", null);
            call.fail(f);
            throw f.toException(backend, op.name(), elapsed(call.start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interruptedException(op, call.start, e);
        }
    }

    private <T> AsyncCall<T> startAsync(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        Objects.requireNonNull(op, "operation");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(fallback, "fallback");
        AsyncCall<T> call = new AsyncCall<>(op, body, fallback);
        inFlight.add(call);
        call.result.whenComplete((v, e) -> inFlight.remove(call));
        if (closed) {
            call.result.completeExceptionally(closedException(op, call.start));
            return call;
        }
        calls.increment();
        call.nextAttempt();
        return call;
    }

    /** One asynchronous call: its attempts run one after another, never two at once. */
    private final class AsyncCall<T> {
        final Operation op;
        final Supplier<? extends CompletionStage<T>> body;
        final Fallback<T> fallback;
        final CompletableFuture<T> result = new CompletableFuture<>();
        final long start = System.nanoTime();
        final long deadline = start + totalNanos;
        final int maxAttempts;
        volatile int attempt;
        volatile Failure last;

        AsyncCall(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
            this.op = op;
            this.body = body;
            this.fallback = fallback;
            this.maxAttempts = maxAttempts(op);
        }

        void nextAttempt() {
            if (result.isDone()) {
                return;
            }
            attempt++;
            if (!breaker.tryAcquirePermission()) {
                refused(breakerRefusal());
                return;
            }
            long wait = slotWait(deadline);
            slots.acquireAsync(wait).thenAccept(acquired -> {
                if (acquired) {
                    runAttempt();
                } else {
                    breaker.releasePermission();
                    refused(bulkheadRefusal(wait));
                }
            });
        }

        private void runAttempt() {
            if (result.isDone()) {
                slots.release();
                breaker.releasePermission();
                return;
            }
            long attemptNanos = attemptNanos(deadline);
            long t0 = System.nanoTime();
            AtomicBoolean settled = new AtomicBoolean();
            CompletionStage<T> stage;
            try {
                stage = body.get();
                if (stage == null) {
                    throw new IllegalStateException("the async body of " + op.name() + " returned null instead of a CompletionStage");
                }
            } catch (Throwable e) {
                settled.set(true);
                slots.release();
                attemptFailed(e, t0);
                return;
            }
            ScheduledFuture<?> timer;
            try {
                timer = scheduler.schedule(() -> {
                    if (settled.compareAndSet(false, true)) {
                        slots.release();
                        if (stage instanceof Future<?> future) {
                            future.cancel(true);
                        }
                        afterFailure(timedOut(System.nanoTime() - t0, attemptNanos, attempt, maxAttempts, null));
                    }
                }, attemptNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                settled.set(true);
                slots.release();
                breaker.releasePermission();
                result.completeExceptionally(closedException(op, start));
                return;
            }
            stage.whenComplete((value, error) -> {
                if (!settled.compareAndSet(false, true)) {
                    return; // already timed out
                }
                timer.cancel(false);
                slots.release();
                if (error == null) {
                    breaker.onSuccess(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                    successes.increment();
                    result.complete(value);
                } else {
                    attemptFailed(error, t0);
                }
            });
        }

        private void attemptFailed(Throwable error, long t0) {
            Failure f = classify(error, System.nanoTime() - t0, attempt, maxAttempts);
            if (f == null) {
                result.completeExceptionally(unwrap(error));
            } else {
                afterFailure(f);
            }
        }

        private void afterFailure(Failure f) {
            last = f;
            if (attempt >= maxAttempts) {
                finish(f, false);
                return;
            }
            long delay = backoffNanos(attempt);
            if (deadline - System.nanoTime() - delay < minAttemptNanos) {
                finish(f.withNote(noTimeLeft()), false);
                return;
            }
            retries.increment();
            try {
                scheduler.schedule(this::nextAttempt, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                result.completeExceptionally(closedException(op, start));
            }
        }

        private void refused(Failure refusal) {
            Failure previous = last;
            if (previous == null) {
                finish(refusal, true);
            } else {
                finish(previous.withNote("retry refused: " + refusal.message()), false);
            }
        }

        private void finish(Failure f, boolean rejection) {
            (rejection ? rejected : failures).increment();
            Resolution<T> r = resolve(fallback, f);
            if (r.failure() == null) {
                result.complete(r.value());
            } else {
                fail(r.failure());
            }
        }

        void fail(Failure f) {
            result.completeExceptionally(new FailureSignal(f, backend, op.name(), elapsed(start)));
        }
    }

    // ---------------------------------------------------------------------------------------
    // Shared pieces

    /**
     * Records the outcome of a failed attempt with the breaker. Returns the failure to report, or
     * null if the exception is the caller's (it then passes through, unrecorded).
     */
    private Failure classify(Throwable error, long durationNanos, int attempt, int maxAttempts) {
        Throwable cause = unwrap(error);
        if (!isBackendFailure.test(cause)) {
            breaker.releasePermission();
            return null;
        }
        String what = Failure.describe(cause);
        lastFailure = what; // before onError, which may open the breaker and log it
        breaker.onError(durationNanos, TimeUnit.NANOSECONDS, cause);
        return new Failure(Failure.Kind.UNAVAILABLE, what + " (attempt " + attempt + " of " + maxAttempts + ")", cause);
    }

    private Failure timedOut(long durationNanos, long attemptNanos, int attempt, int maxAttempts, Throwable cause) {
        timeouts.increment();
        String what = "timed out after " + roundedMs(attemptNanos) + " ms";
        lastFailure = what;
        breaker.onError(durationNanos, TimeUnit.NANOSECONDS, ATTEMPT_TIMED_OUT);
        return new Failure(Failure.Kind.TIMEOUT, what + " (attempt " + attempt + " of " + maxAttempts + ")", cause);
    }

    private <T> Resolution<T> resolve(Fallback<T> fallback, Failure failure) {
        if (fallback instanceof Fallback.Value<T> value) {
            fallbacks.increment();
            return new Resolution<>(value.value(), null);
        }
        if (fallback instanceof Fallback.Stale<?, T> stale) {
            Optional<T> cached = staleValue(stale);
            if (cached.isPresent()) {
                fallbacks.increment();
                return new Resolution<>(cached.get(), null);
            }
            return new Resolution<>(null, failure.withNote("no cached value at most "
                    + policy.maxStaleness().toMillis() + " ms stale in near cache " + stale.cache().name()));
        }
        return new Resolution<>(null, failure);
    }

    private <K, T> Optional<T> staleValue(Fallback.Stale<K, T> stale) {
        return stale.cache().getStale(stale.key(), policy.maxStaleness());
    }

    private record Resolution<T>(T value, Failure failure) {
    }

    private Failure breakerRefusal() {
        CircuitBreaker.State state = breaker.getState();
        String message;
        if (state == CircuitBreaker.State.HALF_OPEN) {
            message = "circuit breaker HALF_OPEN: all " + policy.permittedCallsInHalfOpenState()
                    + " probe calls are in flight; retry shortly";
        } else if (state == CircuitBreaker.State.OPEN) {
            message = "circuit breaker OPEN after " + openReason + "; retry after " + ms(retryAfterNanos())
                    + " ms (last failure: " + lastFailure + ")";
        } else {
            message = "circuit breaker " + state + " (last failure: " + lastFailure + ")";
        }
        return new Failure(Failure.Kind.CIRCUIT_OPEN, message, null);
    }

    private Failure bulkheadRefusal(long waitedNanos) {
        return new Failure(Failure.Kind.BULKHEAD_FULL, "bulkhead full: " + slots.inUse() + " of " + slots.max()
                + " calls in flight from this replica, waited " + ms(waitedNanos) + " ms for a slot", null);
    }

    private String noTimeLeft() {
        return "no time left for another attempt within total timeout " + ms(totalNanos) + " ms";
    }

    private int maxAttempts(Operation op) {
        return op.idempotent() ? policy.maxRetries() + 1 : 1;
    }

    /** Bulkhead wait, leaving room for a useful attempt within the total timeout. */
    private long slotWait(long deadline) {
        return Math.max(0, Math.min(maxWaitNanos, deadline - System.nanoTime() - minAttemptNanos));
    }

    private long attemptNanos(long deadline) {
        return Math.min(timeoutNanos, Math.max(deadline - System.nanoTime(), minAttemptNanos));
    }

    /** Full jitter: uniform in [0, retryBackoff * 2^(attempt-1)], capped by the total timeout. */
    private long backoffNanos(int attemptsSoFar) {
        int shift = Math.min(attemptsSoFar - 1, 40);
        long cap = backoffNanos > (Long.MAX_VALUE >> shift) ? totalNanos : Math.min(backoffNanos << shift, totalNanos);
        return ThreadLocalRandom.current().nextLong(cap + 1);
    }

    private long retryAfterNanos() {
        return Math.max(0, policy.waitInOpenState().toNanos() - (clock.nanoTime() - openedAtNanos));
    }

    private void onBreakerTransition(CircuitBreaker.State from, CircuitBreaker.State to) {
        if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
            openedAtNanos = clock.nanoTime();
            openedAt = clock.now();
            CircuitBreaker.Metrics m = breaker.getMetrics();
            int failed = m.getNumberOfFailedCalls();
            openReason = failed + (failed == 1 ? " failure" : " failures") + " in the last " + m.getNumberOfBufferedCalls()
                    + " calls (failure rate " + m.getFailureRate() + "%, threshold " + policy.failureRateThreshold() + "%)";
            log.warn("exstate guard {}: circuit breaker {} -> {} after {}; failing fast for {} ms (last failure: {})",
                    backend, from, to, openReason, policy.waitInOpenState().toMillis(), lastFailure);
        } else {
            log.info("exstate guard {}: circuit breaker {} -> {}", backend, from, to);
        }
    }

    private StateUnavailableException closedException(Operation op, long start) {
        return new StateUnavailableException(backend, op.name(), elapsed(start),
                "Guard[" + backend + "] is closed (the application is shutting down)", null);
    }

    private StateUnavailableException interruptedException(Operation op, long start, Throwable cause) {
        return new StateUnavailableException(backend, op.name(), elapsed(start),
                "the calling thread was interrupted; the call was abandoned", cause);
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** The first attempt's budget is a hair under the policy's timeout when both are equal. */
    private static long roundedMs(long nanos) {
        return (nanos + 500_000) / 1_000_000;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A backend-failed attempt, thrown inside {@link #call} only. */
    private static final class AttemptFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Failure failure;

        AttemptFailed(Failure failure) {
            super(failure.message(), null, false, false);
            this.failure = failure;
        }
    }

    private static final class StacklessTimeout extends TimeoutException {
        private static final long serialVersionUID = 1L;

        StacklessTimeout(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Recovery driven by the provider

    /** See {@link Guard#backendReachable()}. */
    public void backendReachable() {
        if (closed || breaker.getState() != CircuitBreaker.State.OPEN) {
            return;
        }
        try {
            breaker.transitionToHalfOpenState();
        } catch (io.github.resilience4j.circuitbreaker.IllegalStateTransitionException e) {
            // the breaker left OPEN meanwhile (closed by an operator, or a call half-opened it
            // and its probes closed it): nothing to do
        }
        // If a call half-opened it just before us, this restarts HALF_OPEN: a few more probes
        // than permitted may run, which is harmless.
    }

    // ---------------------------------------------------------------------------------------
    // Observability and lifecycle

    public GuardStats stats() {
        return new GuardStats(calls.sum(), successes.sum(), failures.sum(), timeouts.sum(), rejected.sum(),
                retries.sum(), fallbacks.sum(), breaker.getState().name());
    }

    public BackendHealth health() {
        CircuitBreaker.State state = breaker.getState();
        return switch (state) {
            case OPEN -> {
                long left = retryAfterNanos();
                // Resilience4j leaves OPEN only on the next call. A replica reported DOWN gets no
                // traffic, so once probes are allowed it must stop saying DOWN or it never recovers.
                yield left > 0
                        ? BackendHealth.down(backend, "circuit breaker OPEN since " + openedAt + " after "
                                + openReason + "; probe calls allowed in " + ms(left) + " ms; last failure: " + lastFailure)
                        : BackendHealth.degraded(backend, "circuit breaker OPEN since " + openedAt + " after "
                                + openReason + "; probe calls allowed now");
            }
            case FORCED_OPEN -> BackendHealth.down(backend, "circuit breaker FORCED_OPEN since " + openedAt);
            case HALF_OPEN -> BackendHealth.degraded(backend, "circuit breaker HALF_OPEN: probing with up to "
                    + policy.permittedCallsInHalfOpenState() + " calls after it opened at " + openedAt);
            default -> BackendHealth.up(backend, "circuit breaker " + state + "; " + slots.inUse() + " of "
                    + slots.max() + " calls in flight");
        };
    }

    public void close() {
        closed = true;
        pool.shutdownNow();
        for (AsyncCall<?> call : inFlight) {
            call.fail(new Failure(Failure.Kind.UNAVAILABLE,
                    "Guard[" + backend + "] was closed while the call was in flight", null));
        }
        scheduler.shutdownNow();
    }
}
