package dev.exstate.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.guard.GuardPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The breaker's refusal messages are built from what was read when the call was refused. The
 * races (a transition made by another thread but not yet recorded) are set up directly here.
 */
@DisplayName("circuit breaker refusal messages")
class RefusalMessageTest {
    private static final String LAST = "java.io.IOException: connection refused";
    private final GuardPolicy policy = GuardPolicy.builder().slidingWindowSize(4).minimumNumberOfCalls(4)
            .failureRateThreshold(50).waitInOpenState(Duration.ofSeconds(10)).permittedCallsInHalfOpenState(2).build();

    /** A real breaker opened by 4 failures of 4 calls: the metrics an OPEN breaker reports. */
    private static CircuitBreaker.Metrics openedMetrics() {
        CircuitBreaker cb = CircuitBreaker.of("t", CircuitBreakerConfig.custom()
                .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50).build());
        for (int i = 0; i < 4; i++) {
            cb.acquirePermission();
            cb.onError(1, TimeUnit.MILLISECONDS, new IOException("connection refused"));
        }
        assertThat(cb.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        return cb.getMetrics();
    }

    private static GuardEngine.Opening openedAt(long nanos) {
        return new GuardEngine.Opening(nanos, Instant.parse("2030-01-01T00:00:00Z"),
                "4 failures in the last 4 calls (failure rate 100.0%, threshold 50.0%)");
    }

    @Test
    @DisplayName("just opened by another thread, before the transition is recorded: says why, from the breaker's own figures")
    void openedButNotYetRecorded() {
        String m = GuardEngine.refusalMessage(CircuitBreaker.State.OPEN,
                new GuardEngine.BreakerView(CircuitBreaker.State.CLOSED, null), openedMetrics(), 0, policy, LAST);

        assertThat(m).isEqualTo("circuit breaker OPEN after 4 failures in the last 4 calls (failure rate 100.0%, "
                + "threshold 50.0%), a moment ago; retry after 10000 ms (last failure: " + LAST + ")");
    }

    @Test
    @DisplayName("reopened after a failed probe, before the transition is recorded: the earlier opening's time is not used")
    void reopenedButNotYetRecorded() {
        String m = GuardEngine.refusalMessage(CircuitBreaker.State.OPEN,
                new GuardEngine.BreakerView(CircuitBreaker.State.HALF_OPEN, openedAt(0)), openedMetrics(),
                Duration.ofSeconds(30).toNanos(), policy, LAST);

        assertThat(m).contains("a moment ago; retry after 10000 ms").doesNotContain("retry after 0 ms");
    }

    @Test
    @DisplayName("a recorded opening counts down to the first probe")
    void recordedOpeningCountsDown() {
        String m = GuardEngine.refusalMessage(CircuitBreaker.State.OPEN,
                new GuardEngine.BreakerView(CircuitBreaker.State.OPEN, openedAt(1_000)), openedMetrics(),
                1_000 + Duration.ofSeconds(4).toNanos(), policy, LAST);

        assertThat(m).isEqualTo("circuit breaker OPEN after 4 failures in the last 4 calls (failure rate 100.0%, "
                + "threshold 50.0%); retry after 6000 ms (last failure: " + LAST + ")");
    }

    @Test
    @DisplayName("half-open with all probes in flight")
    void halfOpen() {
        String m = GuardEngine.refusalMessage(CircuitBreaker.State.HALF_OPEN,
                new GuardEngine.BreakerView(CircuitBreaker.State.OPEN, openedAt(0)), openedMetrics(), 0, policy, LAST);

        assertThat(m).startsWith("circuit breaker HALF_OPEN: all 2 probe calls are in flight; retry shortly");
    }

    @Test
    @DisplayName("a refusal read back as CLOSED (it closed in between) is never reported as CLOSED")
    void refusedThenClosed() {
        String m = GuardEngine.refusalMessage(CircuitBreaker.State.CLOSED,
                new GuardEngine.BreakerView(CircuitBreaker.State.CLOSED, openedAt(0)), openedMetrics(), 0, policy, LAST);

        assertThat(m).doesNotContain("CLOSED").contains("refused the call while changing state; retry shortly");
    }
}
