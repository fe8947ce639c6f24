package dev.exstate.internal.startup;

import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.internal.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first connection to a backend, retried with jittered exponential backoff within a start-up
 * budget that is separate from the per-call timeouts of the guard: a replica starting on a busy
 * host (cold JVM, slow first handshake) or a moment before its backend must not give up after
 * one slow attempt. Refused credentials ({@link StateAccessDeniedException}) and bad settings
 * ({@link IllegalArgumentException}) are not retried. When the budget is spent, the error says
 * how long it really tried, how often, the last cause, and what to check. Not API: used by the
 * provider modules, may change without notice.
 */
public final class StartupRetry {
    private static final Logger log = LoggerFactory.getLogger(StartupRetry.class);
    /** 100 ms doubling to 2 s, at least half of it each time; tests use it without jitter. */
    private static final Backoff JITTERED = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2, 0.5);
    private static final Backoff EXACT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2, 0);

    /** One connection attempt; throws whatever the client throws. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws Exception;
    }

    /** How the retry loop waits; tests replace real sleeping. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private final Backoff backoff;

    StartupRetry(LongSupplier nanoTime, Sleeper sleeper, boolean jitter) {
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.backoff = jitter ? JITTERED : EXACT;
    }

    /**
     * Runs {@code attempt} until it succeeds or {@code budget} is spent; the last attempt starts
     * at the deadline at the latest, and an attempt under way is not cut short (its own timeouts
     * bound it). A zero budget means one attempt.
     *
     * @param backend the backend name for errors and logs, e.g. {@code "redis"}
     * @param target  what is being reached, without credentials, e.g. {@code "standalone [redis://h:6379]"}
     * @param advice  what to check when it fails for good, e.g. {@code "check that Redis runs and ..."}
     * @throws StateAccessDeniedException  at once, if an attempt threw it
     * @throws IllegalArgumentException    at once, if an attempt threw it
     * @throws StateUnavailableException   when the budget is spent (or the thread is interrupted),
     *                                     with the real elapsed time and the last cause
     */
    public static <T> T connect(String backend, String target, Duration budget, String advice, Attempt<T> attempt) {
        return new StartupRetry(System::nanoTime, TimeUnit.NANOSECONDS::sleep, true).run(backend, target, budget, advice, attempt);
    }

    <T> T run(String backend, String target, Duration budget, String advice, Attempt<T> attempt) {
        Objects.requireNonNull(attempt, "attempt");
        long start = nanoTime.getAsLong();
        long budgetNanos = Math.max(0, budget.toNanos());
        int attempts = 0;
        Exception last;
        while (true) {
            attempts++;
            try {
                T result = attempt.run();
                if (attempts > 1) {
                    log.info("{}: connected to {} at attempt {}, {} ms after the first", backend, target, attempts,
                            millis(nanoTime.getAsLong() - start));
                }
                return result;
            } catch (StateAccessDeniedException | IllegalArgumentException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(backend, target, start, e);
            } catch (Exception e) {
                last = e;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw interrupted(backend, target, start, last);
            }
            long elapsed = nanoTime.getAsLong() - start;
            long remaining = budgetNanos - elapsed;
            if (remaining <= 0) {
                throw new StateUnavailableException(backend, "connect", Duration.ofNanos(elapsed),
                        "could not connect to " + target + " within startupTimeout " + budget.toMillis() + " ms ("
                                + attempts + (attempts == 1 ? " attempt" : " attempts") + "; last: " + describe(last)
                                + "); " + advice, last);
            }
            if (attempts == 1) {
                log.info("{}: connecting to {} failed ({}); retrying for up to {} ms", backend, target, describe(last),
                        budget.toMillis());
            } else {
                log.debug("{}: connecting to {} failed at attempt {} ({})", backend, target, attempts, describe(last));
            }
            // the last pause ends at the deadline, for one more attempt there
            long pause = Math.min(remaining, backoff.delay(attempts).toNanos());
            try {
                sleeper.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted(backend, target, start, last);
            }
        }
    }

    private StateUnavailableException interrupted(String backend, String target, long start, Exception cause) {
        return new StateUnavailableException(backend, "connect", Duration.ofNanos(nanoTime.getAsLong() - start),
                "interrupted while connecting to " + target, cause);
    }

    /**
     * The error and its innermost cause in one line, e.g. {@code RedisConnectionException: Unable
     * to connect to h:6379 (cause: ConnectException: Connection refused)}.
     */
    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = oneLine(t);
        return root == t ? text : text + " (cause: " + oneLine(root) + ")";
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage();
        String s = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m.strip());
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
