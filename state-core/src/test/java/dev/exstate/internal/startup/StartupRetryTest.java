package dev.exstate.internal.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The start-up retry loop on fake time: what it retries, how long it keeps at it, what it reports. */
@DisplayName("StartupRetry")
class StartupRetryTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final List<Duration> pauses = new ArrayList<>();
    private final StartupRetry retry = new StartupRetry(now::get, nanos -> {
        pauses.add(Duration.ofNanos(nanos));
        now.addAndGet(nanos);
    }, false);

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private void pass(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private static IOException refused() {
        return new IOException("Unable to connect to 10.0.0.7:6379", new ConnectException("Connection refused"));
    }

    @Test
    @DisplayName("failed attempts are retried after pauses doubling from 100 ms until one succeeds")
    void retriesUntilSuccess() {
        AtomicInteger attempts = new AtomicInteger();

        String result = retry.run("redis", "standalone [redis://h:6379]", Duration.ofSeconds(30), "check Redis", () -> {
            if (attempts.incrementAndGet() < 4) {
                throw refused();
            }
            return "connected";
        });

        assertThat(result).isEqualTo("connected");
        assertThat(attempts).hasValue(4);
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
    }

    @Test
    @DisplayName("when the budget is spent the error reports the real elapsed time, the attempts, the last cause and what to check")
    void budgetSpentReportsElapsedTimeAndLastCause() {
        AtomicInteger attempts = new AtomicInteger();
        List<IOException> thrown = new ArrayList<>();

        StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class,
                () -> retry.run("redis", "standalone [redis://h:6379]", Duration.ofSeconds(5),
                        "check that Redis runs and the URI is right", () -> {
                            // each handshake times out after 2 s, as on a loaded host
                            pass(Duration.ofSeconds(2));
                            IOException failure = new IOException("handshake " + attempts.incrementAndGet() + " timed out");
                            thrown.add(failure);
                            throw failure;
                        }));

        // attempts end at 2.0 s, 4.1 s and 6.3 s: the budget is spent before a fourth
        assertThat(attempts).hasValue(3);
        assertThat(e.elapsed()).isEqualTo(Duration.ofMillis(6300));
        assertThat(e.backend()).isEqualTo("redis");
        assertThat(e.operation()).isEqualTo("connect");
        assertThat(e.getMessage()).isEqualTo("redis connect failed after 6300 ms: could not connect to standalone "
                + "[redis://h:6379] within startupTimeout 5000 ms (3 attempts; last: IOException: handshake 3 timed out); "
                + "check that Redis runs and the URI is right");
        assertThat(e.getCause()).isSameAs(thrown.get(2));
    }

    @Test
    @DisplayName("the last cause is shown with its innermost cause")
    void innermostCauseIsShown() {
        StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class,
                () -> retry.run("etcd", "[http://h:2379]", Duration.ZERO, "check etcd", () -> {
                    throw refused();
                }));

        assertThat(e.getMessage()).contains("(1 attempt; last: IOException: Unable to connect to 10.0.0.7:6379 "
                + "(cause: ConnectException: Connection refused))");
        assertThat(pauses).as("a zero budget means one attempt").isEmpty();
    }

    @Test
    @DisplayName("refused credentials and bad settings fail at once, without retry")
    void accessDeniedAndBadSettingsAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        StateAccessDeniedException denied = new StateAccessDeniedException("redis", "connect", "WRONGPASS; check the password", null);

        assertThatThrownBy(() -> retry.run("redis", "h", Duration.ofSeconds(30), "check", () -> {
            attempts.incrementAndGet();
            throw denied;
        })).isSameAs(denied);
        IllegalArgumentException bad = new IllegalArgumentException("bad URI");
        assertThatThrownBy(() -> retry.run("redis", "h", Duration.ofSeconds(30), "check", () -> {
            attempts.incrementAndGet();
            throw bad;
        })).isSameAs(bad);

        assertThat(attempts).hasValue(2);
        assertThat(pauses).isEmpty();
    }

    @Test
    @DisplayName("the last pause ends at the deadline, where one more attempt is made")
    void lastAttemptAtTheDeadline() {
        AtomicInteger attempts = new AtomicInteger();

        StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class,
                () -> retry.run("etcd", "[http://h:2379]", Duration.ofMillis(1000), "check etcd", () -> {
                    attempts.incrementAndGet();
                    throw refused();
                }));

        // 100 + 200 + 400 ms of pauses, then the rest of the budget
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
                Duration.ofMillis(300));
        assertThat(attempts).hasValue(5);
        assertThat(e.elapsed()).isEqualTo(Duration.ofMillis(1000));
        assertThat(e.getMessage()).startsWith("etcd connect failed after 1000 ms: ").contains("(5 attempts; last: ");
    }

    @Test
    @DisplayName("pauses grow to at most 2 s")
    void pausesAreCapped() {
        AtomicInteger attempts = new AtomicInteger();

        retry.run("s3", "bucket b", Duration.ofMinutes(1), "check", () -> {
            if (attempts.incrementAndGet() < 9) {
                throw refused();
            }
            return null;
        });

        assertThat(pauses).hasSize(8).endsWith(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(pauses).allSatisfy(p -> assertThat(p).isLessThanOrEqualTo(Duration.ofSeconds(2)));
    }

    @Test
    @DisplayName("an interrupt ends the retries with StateUnavailableException and keeps the thread's interrupt flag")
    void interruptStops() {
        StartupRetry interrupting = new StartupRetry(now::get, nanos -> {
            throw new InterruptedException("shutting down");
        }, false);

        assertThatThrownBy(() -> interrupting.run("etcd", "[http://h:2379]", Duration.ofSeconds(30), "check", () -> {
            throw refused();
        })).isInstanceOf(StateUnavailableException.class).hasMessageContaining("interrupted while connecting to [http://h:2379]");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }
}
