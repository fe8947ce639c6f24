package dev.exstate.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.guard.StateUnavailableException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Checks of what every provider promises about its first contact with a backend, for a
 * provider's start-up tests: a backend that comes up late is waited for, a start-up that runs out
 * of time says how long it tried, how often and why it failed, and no error shows a secret.
 */
public final class StartupChecks {
    private StartupChecks() {
    }

    /**
     * Runs {@code start} on another thread after {@code delay}, like a backend that comes up after
     * the replica. The future completes once it ran, exceptionally if it threw.
     */
    public static CompletableFuture<Void> startLater(Duration delay, Runnable start) {
        return CompletableFuture.runAsync(start, CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Asserts that {@code e} reports a start-up that ran out of time: it names {@code backend} and
     * the operation {@code connect}, reports the time spent (at least one 50 ms pause between
     * attempts), and its message starts with that time and counts the attempts before the last cause.
     */
    public static void assertTimedOutConnecting(StateUnavailableException e, String backend) {
        assertThat(e.backend()).isEqualTo(backend);
        assertThat(e.operation()).isEqualTo("connect");
        // refused connections are retried after pauses of at least 50 ms, so time has passed
        assertThat(e.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(e.getMessage())
                .startsWith(backend + " connect failed after " + e.elapsed().toMillis() + " ms: ")
                .containsPattern("\\(\\d+ attempts?; last: ");
    }

    /** Asserts that neither the message of {@code e} nor that of any of its causes shows one of {@code secrets}. */
    public static void assertShowsNoSecret(Throwable e, String... secrets) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (String secret : secrets) {
                assertThat(String.valueOf(t.getMessage())).as("message of %s", t.getClass().getName()).doesNotContain(secret);
            }
        }
    }

    /**
     * Asserts that no public no-argument method declared by {@code value}'s class (its accessors and
     * {@code toString}) returns a text containing one of {@code secrets}: options hold passwords and
     * keys, and nothing a caller can read or log may show them.
     */
    public static void assertAccessorsShowNoSecret(Object value, String... secrets) {
        for (Method m : value.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || m.getDeclaringClass() != value.getClass()) {
                continue;
            }
            String shown;
            try {
                shown = String.valueOf(m.invoke(value));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(m + " failed", e);
            }
            for (String secret : secrets) {
                assertThat(shown).as("%s()", m.getName()).doesNotContain(secret);
            }
        }
    }
}
