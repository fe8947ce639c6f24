package dev.exstate.internal.guard;

import dev.exstate.guard.Fallback;
import dev.exstate.guard.GuardObserver;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.GuardStats;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.internal.Backoff;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Synchronous calls ({@link #call}, {@link #await}) are timed in one place: the caller's own
 * thread parks on the attempt's future for the time left, then cancels the attempt, records the
 * timeout once and applies the fallback itself. Retries and their backoff run on the caller's
 * thread too, so a synchronous call involves no timer and no thread hop besides the blocking
 * body's pool thread. Only {@link #callAsync} uses the guard's {@link LazyTimer}.
 *
 * <p>Every breaker permission acquired is settled exactly once: {@code onSuccess}, {@code onError}
 * (backend failures and timeouts) or {@code releasePermission} (caller errors, bulkhead refusals,
 * interruptions). Bulkhead refusals are local overload, not backend failures, so they never count
 * against the breaker.
 */
public final class GuardEngine {
    // named after the API type, so that users configure one logger for the guard
    private static final Logger log = LoggerFactory.getLogger("dev.exstate.guard.Guard");

    /** A retry is only worth it if at least this much of the total timeout is left. */
    private static final long MIN_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** An attempt shortened by less than this is not reported as cut by the total timeout. */
    private static final long CUT_TOLERANCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Idle blocking-pool threads end after this; the pool keeps no core threads. */
    static final long POOL_KEEP_ALIVE_MS = 2_000;
    private static final TimeoutException ATTEMPT_TIMED_OUT = new StacklessTimeout("attempt timed out");
    private static final GuardObserver[] NO_OBSERVERS = {};
    /** Operations measured for an adaptive timeout or hedge delay; more are not (their timeout is the maximum). */
    static final int MAX_TUNED_OPERATIONS = 256;
    /** One hedge, in thousandths; a call earns {@code hedgeBudget} of one. */
    private static final long HEDGE_TOKEN = 1000;
    /** Hedges allowed in a burst, e.g. right after start or a quiet period. */
    private static final long HEDGE_BURST = 10 * HEDGE_TOKEN;

    private final String backend;
    private final GuardPolicy policy;
    private final StateClock clock;
    private final Predicate<Throwable> isBackendFailure;

    private final long timeoutNanos;
    private final long totalNanos;
    private final long maxWaitNanos;
    private final Backoff backoff;
    private final long minAttemptNanos;

    // measurement-driven settings: null when the policy neither adapts its timeout nor hedges by percentile
    private final ConcurrentHashMap<String, Tuning> tunings;
    private final boolean hedging;
    private final long hedgeFixedNanos;
    private final long hedgeEarnPerCall;
    private final AtomicLong hedgeTokens = new AtomicLong(HEDGE_BURST);
    private final LongAdder hedges = new LongAdder();
    private final LongAdder hedgeWins = new LongAdder();

    private final CircuitBreaker breaker;
    private final ThreadPoolExecutor pool;
    private final LazyTimer timer;
    private final Slots slots;
    private final Set<AsyncCall<?>> asyncInFlight = ConcurrentHashMap.newKeySet();
    private final Set<Future<?>> syncInFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private final LongAdder calls = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();

    // copy-on-write: a call reads the array once, and with none registered does nothing more
    private volatile GuardObserver[] observers = NO_OBSERVERS;
    private final Object observersLock = new Object();
    // observers that threw, each logged once; touched only when one throws
    private final Set<GuardObserver> failedObservers = ConcurrentHashMap.newKeySet();

    // The breaker's state as last recorded by the transition listener, for messages and health.
    // Resilience4j changes its state first and tells the listener after, so readers compare this
    // with the state they read and never print details of a transition not yet recorded.
    private volatile BreakerView view;
    private volatile String lastFailure = "none";

    public GuardEngine(String backend, GuardPolicy policy, StateClock clock, Predicate<Throwable> isBackendFailure) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.isBackendFailure = Objects.requireNonNull(isBackendFailure, "isBackendFailure");

        // adaptive: the maximum until an operation is measured (and for operations past MAX_TUNED_OPERATIONS)
        this.timeoutNanos = (policy.adaptiveTimeout() ? policy.adaptiveTimeoutMax() : policy.timeout()).toNanos();
        this.totalNanos = policy.totalTimeout().toNanos();
        this.maxWaitNanos = policy.maxWaitForSlot().toNanos();
        // full jitter from retryBackoff, doubling, never longer than the whole call may take
        this.backoff = new Backoff(min(policy.retryBackoff(), policy.totalTimeout()), policy.totalTimeout(), 2, 1);
        this.minAttemptNanos = Math.min(policy.adaptiveTimeout() ? policy.adaptiveTimeoutMin().toNanos() : timeoutNanos,
                MIN_ATTEMPT_NANOS);
        this.tunings = policy.adaptiveTimeout() || policy.hedgePercentile() > 0 ? new ConcurrentHashMap<>() : null;
        this.hedging = policy.hedging();
        this.hedgeFixedNanos = policy.hedgeDelay().toNanos();
        this.hedgeEarnPerCall = Math.max(1, Math.round(policy.hedgeBudget() * HEDGE_TOKEN));

        this.view = new BreakerView(CircuitBreaker.State.CLOSED, null);
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
        // No core threads: a thread is made only when no idle one can take the body at once
        // (SynchronousQueue), and idle ones end after a short keep-alive. The bulkhead admits at
        // most max bodies, so max threads suffice (see handOver for the one race).
        this.pool = new ThreadPoolExecutor(0, max, POOL_KEEP_ALIVE_MS, TimeUnit.MILLISECONDS,
                new SynchronousQueue<>(), threads("exstate-guard-" + backend + "-"), GuardEngine::handOver);
        this.timer = new LazyTimer("exstate-guard-" + backend + "-timer", timeoutNanos);
        this.slots = new Slots("exstate-" + backend, max, timer);
        if (tunings != null) {
            timer.schedule(this::refreshTunings, Tuning.REFRESH_NANOS);
        }
    }

    /** Recomputes each measured operation's timeout and hedge delay, then again a second later. */
    private void refreshTunings() {
        for (Tuning t : tunings.values()) {
            t.refresh();
        }
        try {
            timer.schedule(this::refreshTunings, Tuning.REFRESH_NANOS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** The measurement of {@code op}, or null if the policy measures nothing (or too many operations). */
    private Tuning tuning(Operation op) {
        if (tunings == null) {
            return null;
        }
        Tuning t = tunings.get(op.name());
        if (t == null && tunings.size() < MAX_TUNED_OPERATIONS) {
            t = tunings.computeIfAbsent(op.name(), n -> new Tuning(policy));
        }
        return t;
    }

    /** The per-attempt timeout of an operation: its adaptive one, or the policy's. */
    private long attemptTimeout(Tuning tuning) {
        return tuning != null ? tuning.timeoutNanos : timeoutNanos;
    }

    /** The current per-attempt timeout of {@code op}: adaptive, or the policy's {@code timeout}. */
    public Duration timeout(Operation op) {
        Tuning t = tunings != null ? tunings.get(op.name()) : null;
        return Duration.ofNanos(attemptTimeout(t));
    }

    /** Measured duration of a call, if it says something about one attempt's latency. */
    private static void measure(Tuning tuning, GuardObserver.Outcome outcome, int attemptsRun, long nanos) {
        if (tuning != null && attemptsRun <= 1
                && (outcome == GuardObserver.Outcome.SUCCESS || outcome == GuardObserver.Outcome.TIMEOUT)) {
            tuning.record(nanos);
        }
    }

    /** Each call earns a fraction of a hedge, up to a small burst. */
    private void earnHedge() {
        if (hedging && hedgeTokens.get() < HEDGE_BURST) {
            hedgeTokens.addAndGet(hedgeEarnPerCall);
        }
    }

    private boolean spendHedge() {
        for (long t = hedgeTokens.get(); t >= HEDGE_TOKEN; t = hedgeTokens.get()) {
            if (hedgeTokens.compareAndSet(t, t - HEDGE_TOKEN)) {
                return true;
            }
        }
        return false;
    }

    /** After how long an attempt of {@code op} is hedged; -1 if it is not. */
    private long hedgeDelay(Operation op, Tuning tuning) {
        if (!hedging || !op.read()) {
            return -1;
        }
        if (hedgeFixedNanos > 0) {
            return hedgeFixedNanos;
        }
        return tuning != null ? tuning.hedgeNanos : -1;
    }

    public String backend() {
        return backend;
    }

    public GuardPolicy policy() {
        return policy;
    }

    // ---------------------------------------------------------------------------------------
    // Synchronous calls: the caller's thread waits, retries and applies the fallback

    public <T> T call(Operation op, Callable<T> body, Fallback<T> fallback) {
        Objects.requireNonNull(op, "operation");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(fallback, "fallback");
        long start = System.nanoTime();
        return runSync(op, start, start + totalNanos, fallback, blocking(body));
    }

    public <T> T await(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        long start = System.nanoTime();
        return await(op, start, start + totalNanos, body, fallback);
    }

    /**
     * {@link #await(Operation, Supplier, Fallback)} bounded by a deadline the caller carries over
     * several steps: {@code startNanos} is when the whole operation began (for elapsed times in
     * errors), {@code deadlineNanos} when it must end ({@link System#nanoTime()} values).
     */
    public <T> T await(Operation op, long startNanos, long deadlineNanos, Supplier<? extends CompletionStage<T>> body,
                       Fallback<T> fallback) {
        Objects.requireNonNull(op, "operation");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(fallback, "fallback");
        return runSync(op, startNanos, deadlineNanos, fallback, async(op, body));
    }

    private <T> T runSync(Operation op, long start, long deadline, Fallback<T> fallback, SyncBody<T> body) {
        if (closed) {
            throw closedException(op, start);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw interruptedException(op, start, null);
        }
        calls.increment();
        earnHedge();
        GuardObserver[] observing = observers;
        Tuning tuning = tuning(op);
        // the outcome is noted on every way out; only read when someone observes or measures
        long began = observing.length == 0 && tuning == null ? 0 : System.nanoTime();
        GuardObserver.Outcome outcome = GuardObserver.Outcome.ABANDONED;
        boolean fellBack = false;
        int attempts = 0;
        try {
            int maxAttempts = maxAttempts(op);
            Failure last = null;
            for (int attempt = 1; ; attempt++) {
                if (deadline - System.nanoTime() <= 0) {
                    // only a deadline shared with earlier steps can be spent before the first attempt
                    last = last != null ? last.withNote(noTimeLeft(deadline - start)) : spentByEarlierSteps(deadline - start);
                    break;
                }
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
                        outcome = refused.kind().outcome();
                        T value = resolveSync(op, fallback, refused, start);
                        fellBack = true;
                        return value;
                    }
                    last = last.withNote("retry refused: " + refused.message());
                    break;
                }
                attempts = attempt;
                if (attempt > 1) {
                    // counted when the retry really starts: a deadline or refusal after the backoff means no retry
                    retries.increment();
                }
                try {
                    T value = attemptSync(op, tuning, body, start, deadline, attempt, maxAttempts);
                    successes.increment();
                    outcome = GuardObserver.Outcome.SUCCESS;
                    return value;
                } catch (AttemptFailed f) {
                    last = f.failure;
                    if (f.atDeadline) {
                        break;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw interruptedException(op, start, e);
                } catch (Throwable e) {
                    // the caller's own error, passed through; or the guard closed under the attempt
                    outcome = closed && e instanceof StateUnavailableException
                            ? GuardObserver.Outcome.ABANDONED : GuardObserver.Outcome.CALLER_ERROR;
                    throw e;
                }
                if (attempt >= maxAttempts) {
                    break;
                }
                long delay = backoffNanos(attempt);
                if (deadline - System.nanoTime() - delay < minAttemptNanos) {
                    last = last.withNote(noTimeLeft(deadline - start));
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw interruptedException(op, start, e);
                }
            }
            failures.increment();
            outcome = last.kind().outcome();
            T value = resolveSync(op, fallback, last, start);
            fellBack = true;
            return value;
        } finally {
            if (observing.length != 0 || tuning != null) {
                long took = System.nanoTime() - began;
                measure(tuning, outcome, attempts, took);
                if (observing.length != 0) {
                    report(observing, op, outcome, fellBack, attempts, took);
                }
            }
        }
    }

    /** Breaker permission, then a bulkhead slot; returns why the call was refused, or null. */
    private Failure admitBlocking(long deadline) throws InterruptedException {
        if (!permitted()) {
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

    /** One attempt, admitted (permission and slot held); the caller's thread waits for it. */
    private <T> T attemptSync(Operation op, Tuning tuning, SyncBody<T> body, long start, long deadline, int attempt,
                              int maxAttempts) throws AttemptFailed, InterruptedException {
        long t0 = System.nanoTime();
        long left = deadline - t0;
        long timeout = attemptTimeout(tuning);
        long budget = Math.min(timeout, left);
        if (budget <= 0) {
            slots.release();
            breaker.releasePermission();
            throw new AttemptFailed(new Failure(Failure.Kind.TIMEOUT, noTimeLeft(deadline - start), null), true);
        }
        boolean cut = left < timeout - CUT_TOLERANCE_NANOS;
        SyncAttempt<T> a;
        try {
            a = body.start(t0 + budget);
            long hedgeAfter = a instanceof StageAttempt<T> ? hedgeDelay(op, tuning) : -1;
            if (hedgeAfter >= 0 && hedgeAfter < budget) {
                a = new HedgedAttempt<>(first(a), body, hedgeAfter, t0 + budget);
            }
        } catch (PoolRejected e) {
            breaker.releasePermission();
            if (closed) {
                throw closedException(op, start);
            }
            throw new AttemptFailed(new Failure(Failure.Kind.BULKHEAD_FULL, "none of the guard's " + slots.max()
                    + " threads came free within the attempt's " + ms(budget) + " ms", null), cut);
        } catch (Throwable e) {
            throw failedAttempt(e, t0, attempt, maxAttempts);
        }
        try {
            T value = a.get(budget);
            a.settle();
            breaker.onSuccess(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            return value;
        } catch (ExecutionException e) {
            a.settle();
            throw failedAttempt(e.getCause(), t0, attempt, maxAttempts);
        } catch (TimeoutException e) {
            Throwable where = a.whereStuck();
            a.abandon();
            throw new AttemptFailed(timedOut(System.nanoTime() - t0, budget, cut ? deadline - start : 0,
                    attempt, maxAttempts, where), cut);
        } catch (InterruptedException e) {
            a.abandon();
            breaker.releasePermission();
            throw e;
        } catch (CancellationException e) {
            a.settle();
            if (closed) {
                breaker.releasePermission();
                throw closedException(op, start);
            }
            throw failedAttempt(e, t0, attempt, maxAttempts); // cancelled by someone else
        }
    }

    /** A failed attempt: the typed failure to retry or report, or the caller's own error rethrown. */
    private AttemptFailed failedAttempt(Throwable error, long t0, int attempt, int maxAttempts) {
        Failure f = classify(error, System.nanoTime() - t0, attempt, maxAttempts);
        if (f == null) {
            throw sneaky(unwrap(error));
        }
        return new AttemptFailed(f, false);
    }

    private <T> T resolveSync(Operation op, Fallback<T> fallback, Failure failure, long start) {
        Resolution<T> r = resolve(fallback, failure);
        if (r.failure() == null) {
            return r.value();
        }
        throw r.failure().toException(backend, op.name(), elapsed(start)); // on the caller's stack
    }

    /** Starts one attempt once admitted; if it throws, the bulkhead slot is free again. */
    private interface SyncBody<T> {
        SyncAttempt<T> start(long attemptDeadline) throws Throwable;
    }

    /** A started attempt; the caller's thread waits on it. */
    private interface SyncAttempt<T> {
        T get(long nanos) throws ExecutionException, TimeoutException, InterruptedException;

        /** The attempt has an outcome: free what it holds. */
        void settle();

        /** The caller gives up on it (timeout, interruption): stop it and free what it holds. */
        void abandon();

        /** Where the body is stuck, for a timeout's cause; null if unknown. Called before abandon. */
        default Throwable whereStuck() {
            return null;
        }
    }

    /** A blocking body on the guard's pool; its slot is released when the body really stops. */
    private <T> SyncBody<T> blocking(Callable<T> body) {
        return attemptDeadline -> {
            BlockingAttempt<T> task = new BlockingAttempt<>(body, slots::release, attemptDeadline);
            try {
                pool.execute(task);
            } catch (RejectedExecutionException e) {
                task.abandon();
                throw new PoolRejected();
            }
            return new SyncAttempt<>() {
                @Override
                public T get(long nanos) throws ExecutionException, TimeoutException, InterruptedException {
                    return task.get(nanos, TimeUnit.NANOSECONDS);
                }

                @Override
                public void settle() {
                }

                @Override
                public void abandon() {
                    task.abandon();
                }

                @Override
                public Throwable whereStuck() {
                    Thread worker = task.runner();
                    StackTraceElement[] where = worker == null ? null : worker.getStackTrace();
                    if (where == null) {
                        return null;
                    }
                    Throwable cause = new StacklessTimeout("the attempt was still running in thread " + worker.getName()
                            + "; this stack trace shows where it was blocked");
                    cause.setStackTrace(where);
                    return cause;
                }
            };
        };
    }

    /** An asynchronous body, started on the caller's thread; the caller parks on its future. */
    private <T> SyncBody<T> async(Operation op, Supplier<? extends CompletionStage<T>> body) {
        return attemptDeadline -> {
            CompletionStage<T> stage;
            try {
                stage = startStage(op, body);
            } catch (Throwable e) {
                slots.release();
                throw e;
            }
            return new StageAttempt<>(stage);
        };
    }

    /** Starts an asynchronous body; a body that returns no stage is a bug of the caller. */
    private static <T> CompletionStage<T> startStage(Operation op, Supplier<? extends CompletionStage<T>> body) {
        CompletionStage<T> stage = body.get();
        if (stage == null) {
            throw new IllegalStateException("the async body of " + op.name() + " returned null instead of a CompletionStage");
        }
        return stage;
    }

    private final class StageAttempt<T> implements SyncAttempt<T> {
        private final CompletionStage<T> stage;
        private final CompletableFuture<T> future;

        StageAttempt(CompletionStage<T> stage) {
            this.stage = stage;
            this.future = toFuture(stage);
            syncInFlight.add(future);
            if (closed) {
                future.cancel(true); // raced with close(), which may have missed it
            }
        }

        @Override
        public T get(long nanos) throws ExecutionException, TimeoutException, InterruptedException {
            return future.get(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void settle() {
            syncInFlight.remove(future);
            slots.release();
        }

        @Override
        public void abandon() {
            cancel(stage);
            future.cancel(true);
            settle();
        }

        /** Settles a finished attempt, abandons a running one. */
        void end() {
            if (future.isDone()) {
                settle();
            } else {
                abandon();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> StageAttempt<T> first(SyncAttempt<T> a) {
        return (StageAttempt<T>) a;
    }

    /**
     * An attempt of a read that, if it has not answered after the hedge delay, sends a second one
     * (if a bulkhead slot is free at once and the hedge budget allows) and answers with the first
     * success; the other is cancelled. Still one attempt for the breaker, the retries and the
     * observers. Used by the caller's thread only.
     */
    private final class HedgedAttempt<T> implements SyncAttempt<T> {
        private final StageAttempt<T> first;
        private final SyncBody<T> body;
        private final long delayNanos;
        private final long attemptDeadline;
        private StageAttempt<T> second;
        private CompletableFuture<T> either;
        private volatile boolean secondWon;

        HedgedAttempt(StageAttempt<T> first, SyncBody<T> body, long delayNanos, long attemptDeadline) {
            this.first = first;
            this.body = body;
            this.delayNanos = delayNanos;
            this.attemptDeadline = attemptDeadline;
        }

        @Override
        public T get(long nanos) throws ExecutionException, TimeoutException, InterruptedException {
            long end = System.nanoTime() + nanos;
            try {
                return first.get(Math.min(delayNanos, nanos));
            } catch (TimeoutException e) {
                if (delayNanos >= nanos) {
                    throw e;
                }
            }
            if (!hedge()) {
                return first.get(end - System.nanoTime());
            }
            return either.get(end - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        private boolean hedge() {
            if (closed || !slots.tryAcquire()) {
                return false;
            }
            if (!spendHedge()) {
                slots.release();
                return false;
            }
            try {
                second = first(body.start(attemptDeadline)); // releases the slot if it throws
            } catch (Throwable e) {
                log.debug("exstate guard {}: a hedge could not start: {}", backend, e.toString());
                return false;
            }
            hedges.increment();
            either = new CompletableFuture<>();
            AtomicInteger failed = new AtomicInteger();
            first.future.whenComplete((v, e) -> settleEither(v, e, false, failed));
            second.future.whenComplete((v, e) -> settleEither(v, e, true, failed));
            return true;
        }

        /** The first success answers; if both fail, the later failure does. */
        private void settleEither(T value, Throwable error, boolean isSecond, AtomicInteger failed) {
            if (error == null) {
                if (isSecond && !either.isDone()) {
                    secondWon = true;
                }
                either.complete(value);
            } else if (failed.incrementAndGet() == 2) {
                either.completeExceptionally(error);
            }
        }

        @Override
        public void settle() {
            if (second == null) {
                first.settle();
                return;
            }
            first.end();
            second.end();
            if (secondWon) {
                hedgeWins.increment();
            }
        }

        @Override
        public void abandon() {
            first.abandon();
            if (second != null) {
                second.abandon();
            }
        }
    }

    private static <T> CompletableFuture<T> toFuture(CompletionStage<T> stage) {
        if (stage instanceof CompletableFuture<T> f) {
            return f;
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            if (error == null) {
                f.complete(value);
            } else {
                f.completeExceptionally(error);
            }
        });
        return f;
    }

    private static void cancel(CompletionStage<?> stage) {
        if (stage instanceof Future<?> future) {
            future.cancel(true);
        }
    }

    /**
     * The pool has all its threads, yet the caller holds a bulkhead slot, so at least one thread is
     * not running a body: it released its slot a moment ago and is on its way back for work (or
     * retiring idle). Hand the task over as that thread polls again, within the attempt's time.
     */
    private static void handOver(Runnable r, ThreadPoolExecutor pool) {
        long startBy = ((BlockingAttempt<?>) r).startBy;
        while (!pool.isShutdown()) {
            long left = startBy - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                if (pool.getQueue().offer(r, Math.min(left, TimeUnit.MILLISECONDS.toNanos(1)), TimeUnit.NANOSECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (pool.getPoolSize() < pool.getMaximumPoolSize()) {
                pool.execute(r); // a thread retired meanwhile: start a new one
                return;
            }
        }
        throw new RejectedExecutionException("no guard thread came free");
    }

    // ---------------------------------------------------------------------------------------
    // Asynchronous calls: never block; timed by the guard's lazy timer

    public <T> CompletableFuture<T> callAsync(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        AsyncCall<T> call = startAsync(op, body, fallback);
        CompletableFuture<T> out = new CompletableFuture<>();
        call.result.whenComplete((value, error) -> {
            // before the caller can see the result
            call.notifyObservers();
            if (error == null) {
                out.complete(value);
            } else {
                out.completeExceptionally(error instanceof FailureSignal s ? s.toException() : error);
            }
        });
        return out;
    }

    private <T> AsyncCall<T> startAsync(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
        Objects.requireNonNull(op, "operation");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(fallback, "fallback");
        AsyncCall<T> call = new AsyncCall<>(op, body, fallback);
        asyncInFlight.add(call);
        call.result.whenComplete((v, e) -> asyncInFlight.remove(call));
        if (closed) {
            call.result.completeExceptionally(closedException(op, call.start));
            return call;
        }
        calls.increment();
        earnHedge();
        call.observing = observers;
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
        final Tuning tuning;
        volatile int attempt;
        volatile Failure last;
        // for observers: written before the result completes, read after
        volatile GuardObserver[] observing = NO_OBSERVERS; // set once the call is counted
        volatile GuardObserver.Outcome outcome = GuardObserver.Outcome.ABANDONED;
        volatile boolean fellBack;
        volatile int attemptsRun;

        AsyncCall(Operation op, Supplier<? extends CompletionStage<T>> body, Fallback<T> fallback) {
            this.op = op;
            this.body = body;
            this.fallback = fallback;
            this.maxAttempts = maxAttempts(op);
            this.tuning = tuning(op);
        }

        void notifyObservers() {
            GuardObserver[] o = observing;
            if (o.length != 0 || tuning != null) {
                long took = System.nanoTime() - start;
                measure(tuning, outcome, attemptsRun, took);
                if (o.length != 0) {
                    report(o, op, outcome, fellBack, attemptsRun, took);
                }
            }
        }

        void nextAttempt() {
            if (result.isDone()) {
                return;
            }
            attempt++;
            if (!permitted()) {
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
            long t0 = System.nanoTime();
            long left = deadline - t0;
            long perAttempt = attemptTimeout(tuning);
            long budget = Math.min(perAttempt, left);
            if (budget <= 0) { // the timer ran late
                slots.release();
                breaker.releasePermission();
                finish(last != null ? last.withNote(noTimeLeft(totalNanos))
                        : new Failure(Failure.Kind.TIMEOUT, noTimeLeft(totalNanos), null), false);
                return;
            }
            attemptsRun = attempt;
            if (attempt > 1) {
                // counted when the retry really starts, as on the sync path: a refusal or a deadline
                // during the backoff means no retry happened
                retries.increment();
            }
            boolean cut = left < perAttempt - CUT_TOLERANCE_NANOS;
            AtomicBoolean settled = new AtomicBoolean();
            CompletionStage<T> stage;
            try {
                stage = startStage(op, body);
            } catch (Throwable e) {
                settled.set(true);
                slots.release();
                attemptFailed(e, t0);
                return;
            }
            LazyTimer.Task timeout;
            try {
                timeout = timer.schedule(() -> {
                    if (settled.compareAndSet(false, true)) {
                        slots.release();
                        cancel(stage);
                        afterFailure(timedOut(System.nanoTime() - t0, budget, cut ? totalNanos : 0,
                                attempt, maxAttempts, null), cut);
                    }
                }, budget);
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
                timeout.cancel();
                slots.release();
                if (error == null) {
                    breaker.onSuccess(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                    successes.increment();
                    outcome = GuardObserver.Outcome.SUCCESS;
                    result.complete(value);
                } else {
                    attemptFailed(error, t0);
                }
            });
        }

        private void attemptFailed(Throwable error, long t0) {
            Failure f = classify(error, System.nanoTime() - t0, attempt, maxAttempts);
            if (f == null) {
                outcome = GuardObserver.Outcome.CALLER_ERROR;
                result.completeExceptionally(unwrap(error));
            } else {
                afterFailure(f, false);
            }
        }

        private void afterFailure(Failure f, boolean atDeadline) {
            last = f;
            if (atDeadline || attempt >= maxAttempts) {
                finish(f, false);
                return;
            }
            long delay = backoffNanos(attempt);
            if (deadline - System.nanoTime() - delay < minAttemptNanos) {
                finish(f.withNote(noTimeLeft(totalNanos)), false);
                return;
            }
            try {
                timer.schedule(this::nextAttempt, delay);
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
            outcome = f.kind().outcome();
            Resolution<T> r = resolve(fallback, f);
            if (r.failure() == null) {
                fellBack = true;
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

    /**
     * Records a timed-out attempt: counted once, against the breaker once. {@code cutAtTotalNanos}
     * is the total timeout if it, not the per-attempt timeout, ended the attempt; else 0.
     */
    private Failure timedOut(long durationNanos, long budgetNanos, long cutAtTotalNanos, int attempt, int maxAttempts,
                             Throwable cause) {
        timeouts.increment();
        String what = "timed out after " + roundedMs(budgetNanos) + " ms";
        lastFailure = what;
        breaker.onError(durationNanos, TimeUnit.NANOSECONDS, ATTEMPT_TIMED_OUT);
        String reached = cutAtTotalNanos > 0 ? ": total timeout " + ms(cutAtTotalNanos) + " ms reached" : "";
        return new Failure(Failure.Kind.TIMEOUT, what + reached + " (attempt " + attempt + " of " + maxAttempts + ")", cause);
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

    /**
     * Asks the breaker for a permission. A refusal read as CLOSED a moment later is out of date
     * (the breaker closed in between): ask once more rather than fail a call it would admit.
     */
    private boolean permitted() {
        return breaker.tryAcquirePermission()
                || (breaker.getState() == CircuitBreaker.State.CLOSED && breaker.tryAcquirePermission());
    }

    private Failure breakerRefusal() {
        String message = refusalMessage(breaker.getState(), view, breaker.getMetrics(), clock.nanoTime(), policy, lastFailure);
        return new Failure(Failure.Kind.CIRCUIT_OPEN, message, null);
    }

    /**
     * Why the breaker refused a call, from what was read at that moment: {@code state} read after
     * the refusal, {@code recorded} the last transition the listener recorded (it may lag
     * {@code state} by a moment), {@code metrics} the breaker's current figures.
     */
    static String refusalMessage(CircuitBreaker.State state, BreakerView recorded, CircuitBreaker.Metrics metrics,
                                 long nowNanos, GuardPolicy policy, String lastFailure) {
        String last = " (last failure: " + lastFailure + ")";
        switch (state) {
            case HALF_OPEN:
                return "circuit breaker HALF_OPEN: all " + policy.permittedCallsInHalfOpenState()
                        + " probe calls are in flight; retry shortly" + last;
            case OPEN: {
                Opening o = recorded.state() == state ? recorded.opening() : null;
                if (o == null) {
                    // opened a moment ago by another thread; an OPEN breaker's metrics are those that opened it
                    return "circuit breaker OPEN after " + openingReason(metrics, policy) + ", a moment ago; retry after "
                            + policy.waitInOpenState().toMillis() + " ms" + last;
                }
                return "circuit breaker OPEN after " + o.reason() + "; retry after "
                        + ms(retryAfterNanos(o, nowNanos, policy)) + " ms" + last;
            }
            case FORCED_OPEN:
                return "circuit breaker FORCED_OPEN: calls are refused until it is released" + last;
            default:
                // refused while open or half-open, then it changed state before it could be read
                return "circuit breaker refused the call while changing state; retry shortly" + last;
        }
    }

    private static String openingReason(CircuitBreaker.Metrics m, GuardPolicy policy) {
        int buffered = m.getNumberOfBufferedCalls();
        if (buffered == 0) {
            return "no recorded calls";
        }
        int failed = m.getNumberOfFailedCalls();
        return failed + (failed == 1 ? " failure" : " failures") + " in the last " + buffered
                + " calls (failure rate " + m.getFailureRate() + "%, threshold " + policy.failureRateThreshold() + "%)";
    }

    private static long retryAfterNanos(Opening o, long nowNanos, GuardPolicy policy) {
        return Math.max(0, policy.waitInOpenState().toNanos() - (nowNanos - o.atNanos()));
    }

    /** The breaker's state as last recorded, and its last opening (null if it never opened). */
    record BreakerView(CircuitBreaker.State state, Opening opening) {
    }

    /** When and why the breaker last opened, by the guard's clock. */
    record Opening(long atNanos, Instant at, String reason) {
    }

    private Failure bulkheadRefusal(long waitedNanos) {
        return new Failure(Failure.Kind.BULKHEAD_FULL, "bulkhead full: " + slots.inUse() + " of " + slots.max()
                + " calls in flight from this replica, waited " + ms(waitedNanos) + " ms for a slot", null);
    }

    private static String noTimeLeft(long totalBudgetNanos) {
        return "no time left for another attempt within total timeout " + ms(totalBudgetNanos) + " ms";
    }

    private static Failure spentByEarlierSteps(long totalBudgetNanos) {
        return new Failure(Failure.Kind.TIMEOUT, "not attempted: total timeout " + ms(totalBudgetNanos)
                + " ms already spent by earlier steps of this operation", null);
    }

    private int maxAttempts(Operation op) {
        return op.idempotent() ? policy.maxRetries() + 1 : 1;
    }

    /** Bulkhead wait, leaving room for a useful attempt within the total timeout. */
    private long slotWait(long deadline) {
        return Math.max(0, Math.min(maxWaitNanos, deadline - System.nanoTime() - minAttemptNanos));
    }

    /** Uniform in [0, retryBackoff * 2^(attempt-1)], capped by the total timeout. */
    private long backoffNanos(int attemptsSoFar) {
        return backoff.delay(attemptsSoFar).toNanos();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void onBreakerTransition(CircuitBreaker.State from, CircuitBreaker.State to) {
        if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
            Opening o = new Opening(clock.nanoTime(), clock.now(), openingReason(breaker.getMetrics(), policy));
            view = new BreakerView(to, o);
            log.warn("exstate guard {}: circuit breaker {} -> {} after {}; failing fast for {} ms (last failure: {})",
                    backend, from, to, o.reason(), policy.waitInOpenState().toMillis(), lastFailure);
        } else {
            view = new BreakerView(to, view.opening());
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

    /** A failed attempt of a synchronous call; {@code atDeadline}: no time is left for another. */
    private static final class AttemptFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Failure failure;
        final boolean atDeadline;

        AttemptFailed(Failure failure, boolean atDeadline) {
            super(failure.message(), null, false, false);
            this.failure = failure;
            this.atDeadline = atDeadline;
        }
    }

    /** The pool took no body: closed, or no thread came free in time. */
    private static final class PoolRejected extends Exception {
        private static final long serialVersionUID = 1L;

        PoolRejected() {
            super(null, null, false, false);
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

    /** See {@link dev.exstate.guard.Guard#backendReachable()}. */
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

    /** See {@link dev.exstate.guard.Guard#addObserver}. */
    public AutoCloseable addObserver(GuardObserver observer) {
        Objects.requireNonNull(observer, "observer");
        synchronized (observersLock) {
            GuardObserver[] now = observers;
            GuardObserver[] more = java.util.Arrays.copyOf(now, now.length + 1);
            more[now.length] = observer;
            observers = more;
        }
        return () -> removeObserver(observer);
    }

    private void removeObserver(GuardObserver observer) {
        synchronized (observersLock) {
            GuardObserver[] now = observers;
            for (int i = 0; i < now.length; i++) {
                if (now[i] == observer) {
                    GuardObserver[] fewer = new GuardObserver[now.length - 1];
                    System.arraycopy(now, 0, fewer, 0, i);
                    System.arraycopy(now, i + 1, fewer, i, now.length - i - 1);
                    observers = fewer;
                    return;
                }
            }
        }
    }

    /** Tells each observer about a finished call; what an observer throws never reaches the caller. */
    private void report(GuardObserver[] observing, Operation op, GuardObserver.Outcome outcome, boolean fellBack,
                        int attemptsRun, long durationNanos) {
        GuardObserver.Call call = new GuardObserver.Call(backend, op, outcome, fellBack, Math.max(0, attemptsRun - 1),
                durationNanos);
        for (GuardObserver o : observing) {
            try {
                o.onCall(call);
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                    throw t;
                }
                if (failedObservers.add(o)) {
                    log.warn("exstate guard {}: observer {} threw on {} (logged once for this observer; calls are not "
                            + "affected)", backend, o, op.name(), t);
                }
            }
        }
    }

    public GuardStats stats() {
        return new GuardStats(calls.sum(), successes.sum(), failures.sum(), timeouts.sum(), rejected.sum(),
                retries.sum(), fallbacks.sum(), breaker.getState().name(), hedges.sum(), hedgeWins.sum());
    }

    public BackendHealth health() {
        CircuitBreaker.State state = breaker.getState();
        BreakerView v = view;
        Opening o = v.opening();
        return switch (state) {
            case OPEN -> {
                if (v.state() != state || o == null) {
                    yield BackendHealth.down(backend, "circuit breaker OPEN a moment ago; last failure: " + lastFailure);
                }
                long left = retryAfterNanos(o, clock.nanoTime(), policy);
                // Resilience4j leaves OPEN only on the next call. A replica reported DOWN gets no
                // traffic, so once probes are allowed it must stop saying DOWN or it never recovers.
                yield left > 0
                        ? BackendHealth.down(backend, "circuit breaker OPEN since " + o.at() + " after "
                                + o.reason() + "; probe calls allowed in " + ms(left) + " ms; last failure: " + lastFailure)
                        : BackendHealth.degraded(backend, "circuit breaker OPEN since " + o.at() + " after "
                                + o.reason() + "; probe calls allowed now");
            }
            case FORCED_OPEN -> BackendHealth.down(backend, "circuit breaker FORCED_OPEN"
                    + (o != null && v.state() == state ? " since " + o.at() : ""));
            case HALF_OPEN -> BackendHealth.degraded(backend, "circuit breaker HALF_OPEN: probing with up to "
                    + policy.permittedCallsInHalfOpenState() + " calls"
                    + (o != null ? " after it opened at " + o.at() : ""));
            default -> BackendHealth.up(backend, "circuit breaker " + state + "; " + slots.inUse() + " of "
                    + slots.max() + " calls in flight");
        };
    }

    public void close() {
        closed = true;
        pool.shutdownNow();
        for (AsyncCall<?> call : asyncInFlight) {
            call.fail(new Failure(Failure.Kind.UNAVAILABLE,
                    "Guard[" + backend + "] was closed while the call was in flight", null));
        }
        for (Future<?> attempt : syncInFlight) {
            attempt.cancel(true);
        }
        timer.close();
    }
}
