package dev.exstate.guard;

import static dev.exstate.guard.GuardTesting.quick;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.exstate.cache.NearCache;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Guard")
class GuardTest {

    private static final Operation FIND = Operation.idempotent("session.find");
    private static final Operation INCR = Operation.nonIdempotent("counter.incr");
    /** How long a body "hangs": far beyond any timeout under test, so a call that returns did not wait for it. */
    private static final long HANG_MS = 60_000;

    @RegisterExtension
    final GuardTesting guards = new GuardTesting();
    private final ManualClock clock = guards.clock();
    private final ExecutorService callers = guards.callers();

    private Guard guard(GuardPolicy policy) {
        return guard("redis", policy);
    }

    private Guard guard(String backend, GuardPolicy policy) {
        return guards.guard(backend, policy);
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5));
    }

    private static IOException refused() {
        return new IOException("connection refused");
    }

    private static List<Thread> liveThreads(String namePrefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(namePrefix))
                .toList();
    }

    /**
     * "timed out after N ms" and, if the attempt started late enough for the total timeout to
     * cut it short, ": total timeout T ms reached". N is the attempt's budget, at most the timeout.
     */
    private static final String ATTEMPT_TIMED_OUT = "timed out after \\d+ ms(: total timeout \\d+ ms reached)? ";

    private static long attemptBudgetMs(Throwable e) {
        Matcher m = Pattern.compile("timed out after (\\d+) ms").matcher(e.getMessage());
        assertThat(m.find()).as(e.getMessage()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    @Nested
    @DisplayName("timeouts")
    class Timeouts {

        @Test
        @DisplayName("a blocking body is abandoned and interrupted at the attempt timeout")
        void blockingBodyIsInterruptedAtTheTimeout() {
            // total timeout well above the attempt's, so the attempt gets its full 200 ms however late it starts
            Guard g = guard(quick().timeout(Duration.ofMillis(200)).build());
            AtomicBoolean interrupted = new AtomicBoolean();
            AtomicReference<String> bodyThread = new AtomicReference<>();

            // the body hangs for a minute: a call that returns with a timeout did not wait for it
            StateTimeoutException e = catchThrowableOfType(StateTimeoutException.class, () -> g.call(INCR, () -> {
                bodyThread.set(Thread.currentThread().getName());
                try {
                    Thread.sleep(HANG_MS);
                } catch (InterruptedException ie) {
                    interrupted.set(true);
                    throw ie;
                }
                return "late";
            }));

            assertThat(e).as("the call ends with a timeout, not with the body's late value").isNotNull();
            assertThat(e.backend()).isEqualTo("redis");
            assertThat(e.operation()).isEqualTo("counter.incr");
            assertThat(e.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
            assertThat(e.getMessage())
                    .matches("redis counter\\.incr failed after \\d+ ms: .*")
                    .containsPattern(ATTEMPT_TIMED_OUT + "\\(attempt 1 of 1\\)");
            assertThat(attemptBudgetMs(e)).isBetween(1L, 200L);
            // The cause shows where the body was stuck.
            assertThat(e.getCause()).isNotNull();
            assertThat(Arrays.stream(e.getCause().getStackTrace()).map(StackTraceElement::getClassName))
                    .anyMatch(c -> c.startsWith(GuardTest.class.getName()));
            eventually().untilTrue(interrupted);
            assertThat(bodyThread.get()).matches("exstate-guard-redis-\\d+");
            assertThat(g.stats().timeouts()).isEqualTo(1);
            assertThat(g.stats().failures()).isEqualTo(1);
        }

        @Test
        @DisplayName("retries of a body that keeps timing out stop at the total timeout")
        void retriesStopAtTheTotalTimeout() {
            // 31 attempts allowed, but at most 20 of 100 ms fit into the 2 s total timeout
            Guard g = guard(quick().timeout(Duration.ofMillis(100)).totalTimeout(Duration.ofSeconds(2))
                    .maxRetries(30).build());
            AtomicInteger attempts = new AtomicInteger();

            StateTimeoutException e = catchThrowableOfType(StateTimeoutException.class, () -> g.call(FIND, () -> {
                attempts.incrementAndGet();
                Thread.sleep(HANG_MS);
                return "late";
            }));

            assertThat(e).as("the call ends with a timeout, not with a body's late value").isNotNull();
            assertThat(attempts.get()).isBetween(2, 20);
            assertThat(e.getMessage()).contains("of 31)").contains("total timeout 2000 ms");
            assertThat(g.stats().retries()).isEqualTo(attempts.get() - 1);
            assertThat(g.stats().timeouts()).isEqualTo(attempts.get());
        }

        @Test
        @DisplayName("an async body that never completes times out and is cancelled")
        void asyncBodyThatNeverCompletesTimesOut() {
            Guard g = guard(quick().timeout(Duration.ofMillis(150)).build());
            CompletableFuture<String> never = new CompletableFuture<>();

            CompletableFuture<String> result = g.callAsync(INCR, () -> never);

            assertThat(result).isNotDone(); // callAsync did not block the caller
            // the body never completes: a result at all means the timeout ended the call
            assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(StateTimeoutException.class)
                    .hasMessageContaining("redis counter.incr failed after")
                    .hasMessageMatching(".*" + ATTEMPT_TIMED_OUT + "\\(attempt 1 of 1\\).*")
                    .satisfies(e -> assertThat(attemptBudgetMs(e)).isBetween(1L, 150L));
            assertThat(never).isCancelled();
        }

        @Test
        @DisplayName("await throws the typed timeout with the caller's own stack")
        void awaitThrowsTypedTimeoutWithCallersStack() {
            Guard g = guard(quick().timeout(Duration.ofMillis(100)).maxRetries(0).build());

            StateTimeoutException e = catchThrowableOfType(StateTimeoutException.class,
                    () -> g.await(FIND, CompletableFuture<String>::new));

            assertThat(e.getMessage()).contains("redis session.find failed after").containsPattern(ATTEMPT_TIMED_OUT);
            assertThat(attemptBudgetMs(e)).isBetween(1L, 100L);
            assertThat(Arrays.stream(e.getStackTrace()).map(StackTraceElement::getMethodName))
                    .contains("awaitThrowsTypedTimeoutWithCallersStack");
        }
    }

    @Nested
    @DisplayName("deadlines: the caller waits, retries and falls back on its own thread")
    class Deadlines {

        @Test
        @DisplayName("an await that gets no answer returns the fallback value when the deadline passes")
        void fallbackAppliedAtTheDeadline() {
            Guard g = guard(quick().timeout(Duration.ofMillis(100)).totalTimeout(Duration.ofMillis(100)).build());
            CompletableFuture<String> never = new CompletableFuture<>();

            String value = g.await(INCR, () -> never, Fallback.value("feature off"));

            assertThat(value).isEqualTo("feature off");
            assertThat(never).as("the abandoned attempt is cancelled").isCancelled();
            GuardStats s = g.stats();
            assertThat(s.timeouts()).isEqualTo(1);
            assertThat(s.failures()).isEqualTo(1);
            assertThat(s.fallbacks()).isEqualTo(1);
        }

        @Test
        @DisplayName("a blocking call that gets no answer returns the fallback value when the deadline passes")
        void blockingFallbackAppliedAtTheDeadline() {
            Guard g = guard(quick().timeout(Duration.ofMillis(100)).totalTimeout(Duration.ofMillis(100)).build());
            AtomicBoolean interrupted = new AtomicBoolean();

            String value = g.call(INCR, () -> {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    throw e;
                }
                return "late";
            }, Fallback.value("feature off"));

            assertThat(value).isEqualTo("feature off");
            eventually().untilTrue(interrupted);
            assertThat(g.stats().fallbacks()).isEqualTo(1);
        }

        @Test
        @DisplayName("a timed-out attempt is counted once, and once against the breaker")
        void timeoutIsCountedOnce() {
            // a window of two calls at 100%: two recorded failures open the breaker, one does not
            Guard g = guard(quick().timeout(Duration.ofMillis(50)).totalTimeout(Duration.ofMillis(50))
                    .slidingWindowSize(2).minimumNumberOfCalls(2).failureRateThreshold(100).build());

            assertThatThrownBy(() -> g.await(INCR, CompletableFuture<String>::new)).isInstanceOf(StateTimeoutException.class);

            assertThat(g.stats().timeouts()).isEqualTo(1);
            assertThat(g.stats().breakerState()).isEqualTo("CLOSED");
            assertThatThrownBy(() -> g.await(INCR, CompletableFuture<String>::new)).isInstanceOf(StateTimeoutException.class);
            assertThat(g.stats().breakerState()).as("the breaker does count timeouts").isEqualTo("OPEN");
        }

        @Test
        @DisplayName("retries of an idempotent await run on the caller's thread")
        void retriesRunOnTheCallersThread() {
            Guard g = guard(quick().maxRetries(3).build());
            List<Thread> bodyThreads = new CopyOnWriteArrayList<>();

            String value = g.await(FIND, () -> {
                bodyThreads.add(Thread.currentThread());
                return bodyThreads.size() < 4
                        ? CompletableFuture.failedFuture(refused())
                        : CompletableFuture.completedFuture("found");
            });

            assertThat(value).isEqualTo("found");
            assertThat(bodyThreads).hasSize(4).containsOnly(Thread.currentThread());
            assertThat(g.stats().retries()).isEqualTo(3);
        }

        @Test
        @DisplayName("an await whose attempts keep timing out retries within the total timeout, then falls back")
        void awaitRetriesStopAtTheTotalTimeout() {
            Guard g = guard(quick().timeout(Duration.ofMillis(100)).totalTimeout(Duration.ofMillis(250))
                    .maxRetries(10).build());
            List<CompletableFuture<String>> attempts = new CopyOnWriteArrayList<>();

            String value = g.await(FIND, () -> {
                CompletableFuture<String> attempt = new CompletableFuture<>();
                attempts.add(attempt);
                return attempt;
            }, Fallback.value("default"));

            assertThat(value).isEqualTo("default");
            assertThat(attempts).hasSizeBetween(2, 3).allMatch(CompletableFuture::isCancelled);
            assertThat(g.stats().timeouts()).isEqualTo(attempts.size());
            assertThat(g.stats().retries()).isEqualTo(attempts.size() - 1);
            assertThat(g.stats().fallbacks()).isEqualTo(1);
        }

        @Test
        @DisplayName("one deadline bounds the steps of an operation: a later step only gets the time left")
        void deadlineSpansSteps() throws Exception {
            Guard g = guard(quick().timeout(Duration.ofSeconds(1)).totalTimeout(Duration.ofSeconds(1)).build());
            Guard.Deadline deadline = g.deadline();
            assertThat(deadline.total()).isEqualTo(Duration.ofSeconds(1));
            assertThat(g.await(FIND, deadline, () -> CompletableFuture.completedFuture("read"))).isEqualTo("read");
            Thread.sleep(100); // the first step took a while

            StateTimeoutException e = catchThrowableOfType(StateTimeoutException.class,
                    () -> g.await(INCR, deadline, CompletableFuture<String>::new));

            Matcher budget = Pattern.compile("timed out after (\\d+) ms: total timeout 1000 ms reached \\(attempt 1 of 1\\)")
                    .matcher(e.getMessage());
            assertThat(budget.find()).as(e.getMessage()).isTrue();
            assertThat(Long.parseLong(budget.group(1))).as("the second step's budget").isLessThanOrEqualTo(900);
            assertThat(e.elapsed()).as("reported from the start of the operation").isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(deadline.hasPassed()).isTrue();
            assertThat(deadline.remaining()).isZero();
        }

        @Test
        @DisplayName("a step started after the deadline passed fails at once without calling the backend, or falls back")
        void passedDeadlineDoesNotCallTheBackend() {
            Guard g = guard(quick().timeout(Duration.ofMillis(50)).totalTimeout(Duration.ofMillis(50)).build());
            Guard.Deadline deadline = g.deadline();
            assertThatThrownBy(() -> g.await(FIND, deadline, CompletableFuture<String>::new))
                    .isInstanceOf(StateTimeoutException.class);
            AtomicInteger body = new AtomicInteger();

            StateTimeoutException e = catchThrowableOfType(StateTimeoutException.class, () -> g.await(INCR, deadline, () -> {
                body.incrementAndGet();
                return CompletableFuture.completedFuture("x");
            }));
            String value = g.await(INCR, deadline, () -> {
                body.incrementAndGet();
                return CompletableFuture.completedFuture("x");
            }, Fallback.value("default"));

            assertThat(e.getMessage()).contains("not attempted: total timeout 50 ms already spent by earlier steps");
            assertThat(value).isEqualTo("default");
            assertThat(body.get()).isZero();
            assertThat(g.stats().timeouts()).as("only the first step's attempt timed out").isEqualTo(1);
            assertThat(g.stats().breakerState()).isEqualTo("CLOSED");
        }

        @Test
        @DisplayName("interrupting a waiting await abandons the attempt and keeps the interrupt")
        void interruptedAwait() throws Exception {
            Guard g = guard(quick().timeout(Duration.ofSeconds(30)).totalTimeout(Duration.ofSeconds(30)).build());
            CompletableFuture<String> never = new CompletableFuture<>();
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            Thread caller = new Thread(() -> {
                try {
                    g.await(INCR, () -> {
                        started.countDown();
                        return never;
                    });
                } catch (Throwable t) {
                    thrown.set(t);
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            });
            caller.start();
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

            caller.interrupt();
            caller.join(10_000);

            assertThat(thrown.get()).isExactlyInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("the calling thread was interrupted");
            assertThat(stillInterrupted).isTrue();
            assertThat(never).isCancelled();
            assertThat(g.stats().timeouts()).isZero();
        }
    }

    @Nested
    @DisplayName("retries")
    class Retries {

        @Test
        @DisplayName("an idempotent operation is retried up to maxRetries, then fails with the cause named")
        void idempotentOperationIsRetriedUpToMaxRetries() {
            Guard g = guard(quick().maxRetries(2).build());
            AtomicInteger attempts = new AtomicInteger();

            StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class, () -> g.call(FIND, () -> {
                attempts.incrementAndGet();
                throw refused();
            }));

            assertThat(attempts.get()).isEqualTo(3);
            assertThat(e).isExactlyInstanceOf(StateUnavailableException.class);
            assertThat(e.getMessage())
                    .matches("redis session\\.find failed after \\d+ ms: .*")
                    .contains("java.io.IOException: connection refused (attempt 3 of 3)");
            assertThat(e.getCause()).isInstanceOf(IOException.class);
            GuardStats s = g.stats();
            assertThat(s.calls()).isEqualTo(1);
            assertThat(s.retries()).isEqualTo(2);
            assertThat(s.failures()).isEqualTo(1);
            assertThat(s.successes()).isZero();
        }

        @Test
        @DisplayName("an idempotent operation that recovers on a retry returns its value")
        void idempotentOperationSucceedsOnRetry() {
            Guard g = guard(quick().maxRetries(2).build());
            AtomicInteger attempts = new AtomicInteger();

            String value = g.call(FIND, () -> {
                if (attempts.incrementAndGet() < 3) {
                    throw refused();
                }
                return "found";
            });

            assertThat(value).isEqualTo("found");
            assertThat(g.stats().successes()).isEqualTo(1);
            assertThat(g.stats().retries()).isEqualTo(2);
            assertThat(g.stats().failures()).isZero();
        }

        @Test
        @DisplayName("a non-idempotent operation is attempted once")
        void nonIdempotentOperationIsNeverRetried() {
            Guard g = guard(quick().maxRetries(5).build());
            AtomicInteger attempts = new AtomicInteger();

            assertThatThrownBy(() -> g.call(INCR, () -> {
                attempts.incrementAndGet();
                throw refused();
            })).isInstanceOf(StateUnavailableException.class).hasMessageContaining("(attempt 1 of 1)");

            assertThat(attempts.get()).isEqualTo(1);
            assertThat(g.stats().retries()).isZero();
        }

        @Test
        @DisplayName("a retry the breaker refuses ends the call with the backend failure, noting the refusal")
        void retryRefusedByOpenBreaker() {
            Guard g = guard(quick().maxRetries(2).slidingWindowSize(1).minimumNumberOfCalls(1).build());
            AtomicInteger attempts = new AtomicInteger();

            StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class, () -> g.call(FIND, () -> {
                attempts.incrementAndGet();
                throw refused();
            }));

            assertThat(attempts.get()).isEqualTo(1);
            assertThat(e).isExactlyInstanceOf(StateUnavailableException.class);
            assertThat(e.getMessage()).contains("connection refused (attempt 1 of 3)")
                    .contains("retry refused: circuit breaker OPEN after 1 failure in the last 1 calls");
            assertThat(g.stats().failures()).isEqualTo(1);
            assertThat(g.stats().rejected()).isZero();
            assertThat(g.stats().retries()).as("a refused retry never started").isZero();
        }

        @Test
        @DisplayName("async: a retry the breaker refuses is not counted as a retry; counted retries are attempts that ran")
        void asyncRetryRefusedByOpenBreakerIsNotCounted() {
            Guard g = guard(quick().maxRetries(2).slidingWindowSize(1).minimumNumberOfCalls(1).build());
            AtomicInteger attempts = new AtomicInteger();

            assertThatThrownBy(() -> g.callAsync(FIND, () -> {
                attempts.incrementAndGet();
                return CompletableFuture.<String>failedFuture(refused());
            }).join()).hasCauseInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("retry refused: circuit breaker OPEN");

            assertThat(attempts.get()).isEqualTo(1);
            assertThat(g.stats().retries()).isZero();
            assertThat(g.stats().failures()).isEqualTo(1);

            Guard retrying = guard(quick().maxRetries(2).build());
            AtomicInteger runs = new AtomicInteger();
            assertThat(retrying.callAsync(FIND, () -> runs.incrementAndGet() < 3
                    ? CompletableFuture.<String>failedFuture(refused())
                    : CompletableFuture.completedFuture("found")).join()).isEqualTo("found");
            assertThat(retrying.stats().retries()).isEqualTo(runs.get() - 1).isEqualTo(2);
        }

        @Test
        @DisplayName("caller errors pass through unchanged, are not retried and never open the breaker")
        void callerErrorsPassThroughUnchanged() {
            Guard g = guard(quick().slidingWindowSize(4).minimumNumberOfCalls(4).build());
            AtomicInteger attempts = new AtomicInteger();
            IllegalArgumentException bad = new IllegalArgumentException("bad key");

            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> g.call(FIND, () -> {
                    attempts.incrementAndGet();
                    throw bad;
                })).isSameAs(bad);
            }

            assertThat(attempts.get()).isEqualTo(10);
            GuardStats s = g.stats();
            assertThat(s.breakerState()).isEqualTo("CLOSED");
            assertThat(s.failures()).isZero();
            assertThat(s.retries()).isZero();
        }

        @Test
        @DisplayName("a caller error wrapped in ExecutionException is unwrapped and passes through")
        void wrappedCallerErrorIsUnwrapped() {
            Guard g = guard(quick().build());
            IllegalStateException precondition = new IllegalStateException("etag mismatch");

            assertThatThrownBy(() -> g.call(FIND, () -> {
                throw new ExecutionException(precondition);
            })).isSameAs(precondition);
        }

        @Test
        @DisplayName("the failure predicate decides what counts as a backend failure")
        void customFailurePredicate() {
            Guard g = Guard.builder("redis").policy(quick().build()).clock(clock)
                    .failurePredicate(t -> !(t instanceof UncheckedIOException)).build();
            guards.track(g);
            AtomicInteger attempts = new AtomicInteger();
            UncheckedIOException notOurs = new UncheckedIOException(refused());

            assertThatThrownBy(() -> g.call(FIND, () -> {
                attempts.incrementAndGet();
                throw notOurs;
            })).isSameAs(notOurs);
            assertThat(attempts.get()).isEqualTo(1);
        }

        @Test
        @DisplayName("the default failure predicate counts outages, not caller errors or bad data")
        void defaultFailurePredicate() {
            assertThat(Guard.isBackendFailure(refused())).isTrue();
            assertThat(Guard.isBackendFailure(new UncheckedIOException(refused()))).isTrue();
            assertThat(Guard.isBackendFailure(new RuntimeException("connection reset"))).isTrue();
            assertThat(Guard.isBackendFailure(new IllegalArgumentException("bad key"))).isFalse();
            assertThat(Guard.isBackendFailure(new NumberFormatException("not a number"))).isFalse();
            assertThat(Guard.isBackendFailure(new IllegalStateException("etag mismatch"))).isFalse();
            assertThat(Guard.isBackendFailure(new UnsupportedOperationException("read-only"))).isFalse();
            assertThat(Guard.isBackendFailure(new StateDataException("redis", "FIND", Duration.ZERO, "key holds a string", null)))
                    .isFalse();
        }

        @Test
        @DisplayName("a predicate built on the default keeps passing caller errors through")
        void predicateBuiltOnTheDefault() {
            Guard g = Guard.builder("redis").policy(quick().build()).clock(clock)
                    .failurePredicate(t -> Guard.isBackendFailure(t) && !(t instanceof UncheckedIOException)).build();
            guards.track(g);
            AtomicInteger attempts = new AtomicInteger();
            IllegalArgumentException badInput = new IllegalArgumentException("bad key");
            UncheckedIOException notOurs = new UncheckedIOException(refused());

            assertThatThrownBy(() -> g.call(FIND, () -> {
                attempts.incrementAndGet();
                throw badInput;
            })).isSameAs(badInput);
            assertThatThrownBy(() -> g.call(FIND, () -> {
                attempts.incrementAndGet();
                throw notOurs;
            })).isSameAs(notOurs);
            assertThat(attempts.get()).isEqualTo(2);
            assertThat(g.stats().failures()).isZero();
        }
    }

    @Nested
    @DisplayName("circuit breaker")
    class Breaker {

        private GuardPolicy breakerPolicy(int permittedInHalfOpen) {
            return quick().slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
                    .waitInOpenState(Duration.ofSeconds(10)).permittedCallsInHalfOpenState(permittedInHalfOpen)
                    .build();
        }

        private void failTimes(Guard g, AtomicInteger bodyCalls, int n) {
            for (int i = 0; i < n; i++) {
                assertThatThrownBy(() -> g.call(INCR, () -> {
                    bodyCalls.incrementAndGet();
                    throw refused();
                })).isExactlyInstanceOf(StateUnavailableException.class);
            }
        }

        @Test
        @DisplayName("opens after failures and then fails fast without calling the backend")
        void opensAndFailsFast() {
            Guard g = guard(breakerPolicy(1));
            AtomicInteger bodyCalls = new AtomicInteger();
            failTimes(g, bodyCalls, 4);
            assertThat(g.stats().breakerState()).isEqualTo("OPEN");

            for (int i = 0; i < 3; i++) {
                CircuitOpenException e = catchThrowableOfType(CircuitOpenException.class,
                        () -> g.call(INCR, () -> bodyCalls.incrementAndGet()));
                assertThat(e.getMessage())
                        .startsWith("redis counter.incr failed after")
                        .contains("circuit breaker OPEN after 4 failures in the last 4 calls")
                        .contains("retry after 10000 ms")
                        .contains("java.io.IOException: connection refused");
            }

            assertThat(bodyCalls.get()).isEqualTo(4);
            assertThat(g.stats().rejected()).isEqualTo(3);
        }

        @Test
        @DisplayName("an open breaker is not retried even for idempotent operations")
        void openBreakerIsNotRetried() {
            Guard g = guard(breakerPolicy(1));
            AtomicInteger bodyCalls = new AtomicInteger();
            failTimes(g, bodyCalls, 4);

            assertThatThrownBy(() -> g.call(FIND, () -> bodyCalls.incrementAndGet()))
                    .isInstanceOf(CircuitOpenException.class);
            assertThat(g.stats().retries()).isZero();
        }

        @Test
        @DisplayName("after the open wait a successful probe closes the breaker again")
        void halfOpenProbeRecovers() {
            Guard g = guard(breakerPolicy(1));
            AtomicInteger bodyCalls = new AtomicInteger();
            failTimes(g, bodyCalls, 4);

            clock.advance(Duration.ofSeconds(10).plusMillis(1));
            assertThat(g.call(INCR, () -> "probe ok")).isEqualTo("probe ok");

            assertThat(g.stats().breakerState()).isEqualTo("CLOSED");
            assertThat(g.call(INCR, () -> bodyCalls.incrementAndGet())).isEqualTo(5);
        }

        @Test
        @DisplayName("a failed probe opens the breaker again")
        void failedProbeReopens() {
            Guard g = guard(breakerPolicy(1));
            AtomicInteger bodyCalls = new AtomicInteger();
            failTimes(g, bodyCalls, 4);

            clock.advance(Duration.ofSeconds(11));
            failTimes(g, bodyCalls, 1);

            assertThat(g.stats().breakerState()).isEqualTo("OPEN");
            assertThatThrownBy(() -> g.call(INCR, () -> bodyCalls.incrementAndGet()))
                    .isInstanceOf(CircuitOpenException.class);
            assertThat(bodyCalls.get()).isEqualTo(5);
        }

        @Test
        @DisplayName("attempt timeouts count as failures")
        void timeoutsOpenTheBreaker() {
            Guard g = guard(quick().slidingWindowSize(2).minimumNumberOfCalls(2)
                    .timeout(Duration.ofMillis(50)).totalTimeout(Duration.ofMillis(50)).build());
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> g.call(INCR, () -> {
                    Thread.sleep(5_000);
                    return 1;
                })).isInstanceOf(StateTimeoutException.class);
            }
            assertThat(g.stats().breakerState()).isEqualTo("OPEN");
        }

        @Test
        @DisplayName("an open breaker's message counts down to the first probe")
        void openMessageCountsDown() {
            Guard g = guard(breakerPolicy(1));
            failTimes(g, new AtomicInteger(), 4);
            clock.advance(Duration.ofSeconds(4));

            assertThatThrownBy(() -> g.call(INCR, () -> 1))
                    .isInstanceOf(CircuitOpenException.class)
                    .hasMessageContaining("circuit breaker OPEN after 4 failures in the last 4 calls")
                    .hasMessageContaining("retry after 6000 ms");
        }

        @Test
        @DisplayName("a half-open breaker with all probes in flight says so")
        void halfOpenMessage() throws Exception {
            Guard g = guard(breakerPolicy(1));
            failTimes(g, new AtomicInteger(), 4);
            clock.advance(Duration.ofSeconds(11));
            CompletableFuture<Integer> probe = new CompletableFuture<>();
            CompletableFuture<Integer> probeResult = g.callAsync(INCR, () -> probe);

            CircuitOpenException e = catchThrowableOfType(CircuitOpenException.class, () -> g.call(INCR, () -> 1));

            assertThat(e.getMessage()).contains("circuit breaker HALF_OPEN: all 1 probe calls are in flight; retry shortly")
                    .doesNotContain("CLOSED");
            probe.complete(1);
            assertThat(probeResult.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(g.stats().breakerState()).isEqualTo("CLOSED");
        }

        @Test
        @DisplayName("refusals while the breaker keeps changing state never name a state or cause not yet recorded")
        void refusalMessagesUnderConcurrentTransitions() throws Exception {
            // the system clock and a 1 ms open wait: the breaker opens, probes and closes all the time
            Guard g = Guard.builder("flipping").policy(quick().maxRetries(0).slidingWindowSize(2).minimumNumberOfCalls(2)
                    .failureRateThreshold(50).waitInOpenState(Duration.ofMillis(1)).permittedCallsInHalfOpenState(1)
                    .build()).build();
            guards.track(g);
            Set<String> refusals = ConcurrentHashMap.newKeySet();
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(callers.submit(() -> {
                    for (int i = 0; i < 3_000; i++) {
                        boolean fail = ThreadLocalRandom.current().nextBoolean();
                        try {
                            g.await(INCR, () -> fail ? CompletableFuture.failedFuture(refused()) : CompletableFuture.completedFuture(1));
                        } catch (CircuitOpenException e) {
                            refusals.add(e.getMessage().replaceAll("\\d+", "N"));
                        } catch (StateUnavailableException e) {
                            // the backend failure itself
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }

            assertThat(refusals).isNotEmpty().allSatisfy(m -> assertThat(m)
                    .contains("circuit breaker ")
                    .doesNotContain("after ;")
                    .doesNotContain("CLOSED")
                    .doesNotContain("after  "));
        }

        @Test
        @DisplayName("health goes UP, DOWN while open, DEGRADED while probing, UP when closed")
        void healthFollowsTheBreaker() {
            Guard g = guard(breakerPolicy(2));
            assertThat(g.health().status()).isEqualTo(BackendHealth.Status.UP);
            assertThat(g.health().component()).isEqualTo("redis");

            failTimes(g, new AtomicInteger(), 4);
            BackendHealth down = g.health();
            assertThat(down.status()).isEqualTo(BackendHealth.Status.DOWN);
            assertThat(down.detail()).contains("OPEN since").contains("4 failures").contains("failure rate 100.0%");

            clock.advance(Duration.ofSeconds(10).plusMillis(1));
            assertThat(g.health().status())
                    .as("once probes are allowed the replica must not stay out of rotation")
                    .isEqualTo(BackendHealth.Status.DEGRADED);

            g.call(INCR, () -> "probe 1");
            assertThat(g.stats().breakerState()).isEqualTo("HALF_OPEN");
            assertThat(g.health().status()).isEqualTo(BackendHealth.Status.DEGRADED);

            g.call(INCR, () -> "probe 2");
            assertThat(g.health().status()).isEqualTo(BackendHealth.Status.UP);
        }
    }

    @Nested
    @DisplayName("bulkhead")
    class Bulkhead {

        @Test
        @DisplayName("calls beyond maxConcurrentCalls are rejected without calling the backend")
        void callsBeyondTheLimitAreRejected() throws Exception {
            // A window of one call at 100%: a single recorded rejection would open the breaker.
            Guard g = guard(quick().maxConcurrentCalls(2).maxWaitForSlot(Duration.ofMillis(20))
                    .slidingWindowSize(1).minimumNumberOfCalls(1).failureRateThreshold(100).build());
            HeldSlots held = HeldSlots.hold(g, FIND, 2, callers);

            AtomicInteger thirdBody = new AtomicInteger();
            BulkheadFullException e = catchThrowableOfType(BulkheadFullException.class,
                    () -> g.call(FIND, () -> thirdBody.incrementAndGet()));

            assertThat(e.getMessage()).contains("redis session.find failed after")
                    .contains("bulkhead full: 2 of 2 calls in flight");
            assertThat(thirdBody.get()).isZero();
            assertThat(g.stats().rejected()).isEqualTo(1);
            assertThat(g.stats().retries()).isZero();

            held.release();
            assertThat(g.stats().breakerState()).isEqualTo("CLOSED");
            assertThat(g.call(FIND, () -> "slots are free again")).isEqualTo("slots are free again");
        }

        @Test
        @DisplayName("a blocking caller waits up to maxWaitForSlot for a free slot")
        void blockingCallerWaitsForASlot() throws Exception {
            // a slot wait far longer than the test needs: the second caller must never give up on a busy machine
            Guard g = guard(quick().maxConcurrentCalls(1).maxWaitForSlot(Duration.ofSeconds(60)).build());
            HeldSlots first = HeldSlots.hold(g, FIND, 1, callers);

            AtomicReference<Thread> secondCaller = new AtomicReference<>();
            Future<String> second = callers.submit(() -> {
                secondCaller.set(Thread.currentThread());
                return g.call(FIND, () -> "second");
            });
            // The second caller is parked waiting for the slot, not rejected.
            eventually().until(() -> secondCaller.get() != null
                    && secondCaller.get().getState() == Thread.State.TIMED_WAITING);
            assertThat(second).isNotDone();

            first.release();
            assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("second");
            assertThat(g.stats().rejected()).isZero();
        }

        @Test
        @DisplayName("an async caller waits for a slot without blocking")
        void asyncCallerWaitsForASlotWithoutBlocking() throws Exception {
            Guard g = guard(quick().maxConcurrentCalls(1).maxWaitForSlot(Duration.ofSeconds(60)).build());
            CompletableFuture<String> first = new CompletableFuture<>();
            CompletableFuture<String> firstResult = g.callAsync(FIND, () -> first);
            AtomicInteger secondBody = new AtomicInteger();

            CompletableFuture<String> secondResult = g.callAsync(FIND, () -> {
                secondBody.incrementAndGet();
                return CompletableFuture.completedFuture("second");
            });

            assertThat(secondResult).isNotDone();
            assertThat(secondBody.get()).isZero();
            first.complete("first");
            assertThat(firstResult.get(30, TimeUnit.SECONDS)).isEqualTo("first");
            assertThat(secondResult.get(30, TimeUnit.SECONDS)).isEqualTo("second");
            assertThat(secondBody.get()).isEqualTo(1);
        }

        @Test
        @DisplayName("an async call with no free slot within maxWaitForSlot is rejected")
        void asyncCallWithoutASlotIsRejected() {
            Guard g = guard(quick().maxConcurrentCalls(1).maxWaitForSlot(Duration.ofMillis(30)).build());
            g.callAsync(FIND, CompletableFuture<String>::new);

            assertThatThrownBy(() -> g.await(FIND, () -> CompletableFuture.completedFuture("never runs")))
                    .isInstanceOf(BulkheadFullException.class)
                    .hasMessageContaining("bulkhead full: 1 of 1");
        }
    }

    @Nested
    @DisplayName("fallbacks")
    class Fallbacks {

        @Test
        @DisplayName("Fallback.value answers a backend failure and is counted")
        void valueFallbackAnswersBackendFailure() {
            Guard g = guard(quick().maxRetries(0).build());

            String value = g.call(FIND, () -> {
                throw refused();
            }, Fallback.value("feature off"));

            assertThat(value).isEqualTo("feature off");
            assertThat(g.stats().fallbacks()).isEqualTo(1);
            assertThat(g.stats().failures()).isEqualTo(1);
        }

        @Test
        @DisplayName("Fallback.value also answers an open breaker")
        void valueFallbackAnswersOpenBreaker() {
            Guard g = guard(quick().maxRetries(0).slidingWindowSize(1).minimumNumberOfCalls(1).build());
            g.call(FIND, () -> {
                throw refused();
            }, Fallback.value("x"));

            assertThat(g.call(FIND, () -> "backend", Fallback.value("default"))).isEqualTo("default");
            assertThat(g.stats().rejected()).isEqualTo(1);
            assertThat(g.stats().fallbacks()).isEqualTo(2);
        }

        @Test
        @DisplayName("no fallback replaces a caller error")
        void fallbackDoesNotHideCallerErrors() {
            Guard g = guard(quick().build());
            IllegalArgumentException bad = new IllegalArgumentException("oversized");

            assertThatThrownBy(() -> g.call(FIND, () -> {
                throw bad;
            }, Fallback.value("default"))).isSameAs(bad);
            assertThat(g.stats().fallbacks()).isZero();
        }

        @Test
        @DisplayName("a stale value within maxStaleness is served when the backend fails")
        void staleValueWithinBoundIsServed() {
            Guard g = guard(quick().maxRetries(0).maxStaleness(Duration.ofSeconds(30)).build());
            NearCache<String, String> cache = NearCache.<String, String>builder("sessions").clock(clock).build();
            cache.put("k", "cached");
            cache.disconnected();
            clock.advance(Duration.ofSeconds(29));

            String value = g.call(FIND, () -> {
                throw refused();
            }, Fallback.staleFrom(cache, "k"));

            assertThat(value).isEqualTo("cached");
            assertThat(cache.stats().staleServed()).isEqualTo(1);
            assertThat(g.stats().fallbacks()).isEqualTo(1);
        }

        @Test
        @DisplayName("a value staler than maxStaleness is not served: the typed exception is thrown")
        void staleValueBeyondBoundIsNotServed() {
            Guard g = guard(quick().maxRetries(0).maxStaleness(Duration.ofSeconds(30)).build());
            NearCache<String, String> cache = NearCache.<String, String>builder("sessions").clock(clock).build();
            cache.put("k", "cached");
            cache.disconnected();
            clock.advance(Duration.ofSeconds(31));

            assertThatThrownBy(() -> g.call(FIND, () -> {
                throw refused();
            }, Fallback.staleFrom(cache, "k")))
                    .isExactlyInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("connection refused")
                    .hasMessageContaining("no cached value at most 30000 ms stale in near cache sessions");
            assertThat(cache.stats().staleServed()).isZero();
            assertThat(g.stats().fallbacks()).isZero();
        }

        @Test
        @DisplayName("a timed-out async call falls back to the stale value")
        void asyncStaleFallback() {
            // one 50 ms attempt; the 5 s total timeout leaves await ample time to see that attempt's timeout
            Guard g = guard(quick().timeout(Duration.ofMillis(50)).maxRetries(0).build());
            NearCache<String, String> cache = NearCache.<String, String>builder("config").clock(clock).build();
            cache.put("k", "cached");

            assertThat(g.await(FIND, CompletableFuture<String>::new, Fallback.staleFrom(cache, "k"))).isEqualTo("cached");
            assertThat(g.stats().timeouts()).isEqualTo(1);
            assertThat(g.stats().fallbacks()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("async calls")
    class Async {

        @Test
        @DisplayName("idempotent async operations are retried on failure")
        void asyncRetriesIdempotentOperations() {
            Guard g = guard(quick().maxRetries(2).build());
            AtomicInteger attempts = new AtomicInteger();

            String value = g.await(FIND, () -> attempts.incrementAndGet() < 3
                    ? CompletableFuture.failedFuture(refused())
                    : CompletableFuture.completedFuture("found"));

            assertThat(value).isEqualTo("found");
            assertThat(attempts.get()).isEqualTo(3);
            assertThat(g.stats().retries()).isEqualTo(2);
            assertThat(g.stats().successes()).isEqualTo(1);
        }

        @Test
        @DisplayName("non-idempotent async operations are not retried")
        void asyncNonIdempotentIsNotRetried() {
            Guard g = guard(quick().maxRetries(2).build());
            AtomicInteger attempts = new AtomicInteger();

            assertThatThrownBy(() -> g.await(INCR, () -> {
                attempts.incrementAndGet();
                return CompletableFuture.<Long>failedFuture(refused());
            })).isExactlyInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("java.io.IOException: connection refused (attempt 1 of 1)");
            assertThat(attempts.get()).isEqualTo(1);
        }

        @Test
        @DisplayName("caller errors from an async body pass through unchanged")
        void asyncCallerErrorPassesThrough() {
            Guard g = guard(quick().build());
            IllegalArgumentException bad = new IllegalArgumentException("bad");
            AtomicInteger attempts = new AtomicInteger();

            assertThatThrownBy(() -> g.await(FIND, () -> {
                attempts.incrementAndGet();
                return CompletableFuture.<String>failedFuture(bad);
            })).isSameAs(bad);
            assertThatThrownBy(() -> g.callAsync(FIND, () -> CompletableFuture.<String>failedFuture(bad)).join())
                    .hasCause(bad);
            assertThat(attempts.get()).isEqualTo(1);
            assertThat(g.stats().failures()).isZero();
        }

        @Test
        @DisplayName("an async body that throws instead of returning a stage is a failed attempt")
        void asyncBodyThrowingIsAFailedAttempt() {
            Guard g = guard(quick().maxRetries(1).build());
            AtomicInteger attempts = new AtomicInteger();

            assertThatThrownBy(() -> g.await(FIND, () -> {
                attempts.incrementAndGet();
                throw new UncheckedIOException(refused());
            })).isExactlyInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("(attempt 2 of 2)");
            assertThat(attempts.get()).isEqualTo(2);
        }

        @Test
        @DisplayName("an open breaker fails async calls fast")
        void asyncCircuitOpen() {
            Guard g = guard(quick().maxRetries(0).slidingWindowSize(1).minimumNumberOfCalls(1).build());
            assertThatThrownBy(() -> g.await(INCR, () -> CompletableFuture.failedFuture(refused())))
                    .isInstanceOf(StateUnavailableException.class);
            AtomicInteger body = new AtomicInteger();

            assertThatThrownBy(() -> g.await(INCR, () -> {
                body.incrementAndGet();
                return CompletableFuture.completedFuture(1);
            })).isInstanceOf(CircuitOpenException.class);
            assertThat(body.get()).isZero();
        }
    }

    @Nested
    @DisplayName("threads")
    class Threads {

        @Test
        @DisplayName("await runs on the caller's thread alone: no timer and no pool thread, whatever the outcome")
        void awaitUsesNoGuardThread() {
            Guard g = guard("waits", quick().timeout(Duration.ofMillis(20)).totalTimeout(Duration.ofMillis(60))
                    .maxRetries(1).slidingWindowSize(1_000).minimumNumberOfCalls(1_000).build());

            for (int i = 0; i < 20; i++) {
                assertThat(g.await(FIND, () -> CompletableFuture.completedFuture("ok"))).isEqualTo("ok");
                assertThat(g.await(FIND, CompletableFuture<String>::new, Fallback.value("late"))).isEqualTo("late");
                assertThatThrownBy(() -> g.await(FIND, () -> CompletableFuture.<String>failedFuture(refused())))
                        .isInstanceOf(StateUnavailableException.class);
            }

            assertThat(g.stats().timeouts()).isPositive();
            assertThat(liveThreads("exstate-guard-waits-")).isEmpty();
            g.callAsync(FIND, CompletableFuture<String>::new);
            assertThat(liveThreads("exstate-guard-waits-")).as("callAsync starts the timer thread")
                    .extracting(Thread::getName).containsExactly("exstate-guard-waits-timer");
        }

        @Test
        @DisplayName("the blocking pool runs maxConcurrentCalls bodies at once and keeps no thread while idle")
        void blockingPoolShrinksWhenIdle() throws Exception {
            Guard g = guard("shrinking", quick().maxConcurrentCalls(3).build());
            for (int i = 0; i < 200; i++) {
                assertThat(g.call(FIND, () -> "ok")).isEqualTo("ok");
            }
            HeldSlots held = HeldSlots.hold(g, FIND, 3, callers);
            assertThat(liveThreads("exstate-guard-shrinking-")).hasSizeGreaterThanOrEqualTo(3);

            held.release();

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> liveThreads("exstate-guard-shrinking-").isEmpty());
        }

        @Test
        @DisplayName("a slot freed a moment before its thread is back for work still gets a thread")
        void slotReusedBeforeItsThreadIsBack() throws Exception {
            // 2 slots, 2 threads at most, 4 callers: a slot is often taken again before the
            // thread that freed it polls for work
            Guard g = guard(quick().maxConcurrentCalls(2).maxWaitForSlot(Duration.ofSeconds(5)).build());
            List<Future<Integer>> runs = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                runs.add(callers.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 300; i++) {
                        ok += g.call(FIND, () -> 1);
                    }
                    return ok;
                }));
            }

            for (Future<Integer> run : runs) {
                assertThat(run.get(60, TimeUnit.SECONDS)).isEqualTo(300);
            }
            assertThat(g.stats().rejected()).isZero();
            assertThat(g.stats().failures()).isZero();
        }

        @Test
        @DisplayName("close ends a waiting await with a clear error")
        void closeEndsAWaitingAwait() throws Exception {
            Guard g = guard(quick().timeout(Duration.ofSeconds(30)).totalTimeout(Duration.ofSeconds(30)).build());
            CompletableFuture<String> never = new CompletableFuture<>();
            CountDownLatch started = new CountDownLatch(1);
            Future<String> waiting = callers.submit(() -> g.await(INCR, () -> {
                started.countDown();
                return never;
            }));
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

            g.close();

            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS))
                    .cause().isInstanceOf(StateUnavailableException.class).hasMessageContaining("is closed");
            assertThat(never).isCancelled();
        }
    }

    @Nested
    @DisplayName("lifecycle")
    class Lifecycle {

        @Test
        @DisplayName("close stops the guard's threads and later calls fail with a clear error")
        void closeStopsThreadsAndRejectsCalls() {
            Guard g = guard("closing", quick().build());
            assertThat(g.call(FIND, () -> Thread.currentThread().getName())).startsWith("exstate-guard-closing-");
            assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().startsWith("exstate-guard-closing-") && t.isDaemon());

            g.close();

            eventually().until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("exstate-guard-closing-")));
            assertThatThrownBy(() -> g.call(FIND, () -> "x"))
                    .isInstanceOf(StateUnavailableException.class)
                    .hasMessageContaining("closed");
            assertThat(g.callAsync(FIND, () -> CompletableFuture.completedFuture("x")))
                    .isCompletedExceptionally();
        }

        @Test
        @DisplayName("stats count calls and successes")
        void statsCountCalls() {
            Guard g = guard(quick().build());
            g.call(FIND, () -> 1);
            g.await(FIND, () -> CompletableFuture.completedFuture(2));

            GuardStats s = g.stats();
            assertThat(s.calls()).isEqualTo(2);
            assertThat(s.successes()).isEqualTo(2);
            assertThat(s.failures()).isZero();
            assertThat(s.breakerState()).isEqualTo("CLOSED");
        }
    }
}
