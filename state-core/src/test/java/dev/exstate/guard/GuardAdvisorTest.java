package dev.exstate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.guard.GuardObserver.Call;
import dev.exstate.guard.GuardObserver.Outcome;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("GuardAdvisor")
class GuardAdvisorTest {
    private static final Operation FIND = Operation.read("session.find");
    private static final Operation SAVE = Operation.idempotent("session.save");
    private static final Operation INCR = Operation.nonIdempotent("counter.incr");
    // values that are the top of their histogram bucket (2^k - 1 ns), so percentiles are exact
    private static final long MS1 = (1L << 20) - 1;  // 1.05 ms
    private static final long MS2 = (1L << 21) - 1;  // 2.10 ms
    private static final long MS4 = (1L << 22) - 1;  // 4.19 ms
    private static final long MS8 = (1L << 23) - 1;  // 8.39 ms

    @RegisterExtension
    final GuardTesting guards = new GuardTesting();
    private final ManualClock clock = new ManualClock();

    private GuardAdvisor advisor(GuardAdvisor.Builder b) {
        return b.clock(clock).build();
    }

    /** {@code n} calls, one every 5 ms of the manual clock. */
    private void feed(GuardAdvisor a, int n, Operation op, Outcome outcome, int retries, long nanos) {
        for (int i = 0; i < n; i++) {
            a.onCall(new Call("redis", op, outcome, false, retries, nanos));
            clock.advance(Duration.ofMillis(5));
        }
    }

    @Test
    @DisplayName("advises timeout, retries, breaker and hedging from the measured distribution, with its reasons")
    void fullAdvice() {
        GuardAdvisor a = advisor(GuardAdvisor.builder("redis", GuardPolicy.defaults()).requestBudget(Duration.ofMillis(60)));
        // session.find: 10,000 measured calls, cumulative 9,000 / 9,800 / 9,980 / 10,000
        feed(a, 9_000, FIND, Outcome.SUCCESS, 0, MS1);
        feed(a, 800, FIND, Outcome.SUCCESS, 0, MS2);
        feed(a, 180, FIND, Outcome.SUCCESS, 0, MS4);
        feed(a, 20, FIND, Outcome.SUCCESS, 0, MS8);
        // failures after retries: counted in the error rate, not in the latency
        feed(a, 100, FIND, Outcome.FAILURE, 2, 50_000_000);
        feed(a, 500, SAVE, Outcome.SUCCESS, 0, MS1);

        GuardAdvisor.Advice advice = a.advise();

        GuardAdvisor.OperationAdvice find = advice.operations().get(0);
        assertThat(find.operation()).isEqualTo("session.find");
        assertThat(find.calls()).isEqualTo(10_100);
        assertThat(find.measured()).isEqualTo(10_000);
        assertThat(find.p50()).isEqualTo(Duration.ofNanos(MS1));
        assertThat(find.p95()).isEqualTo(Duration.ofNanos(MS2));
        assertThat(find.p99()).isEqualTo(Duration.ofNanos(MS4));
        assertThat(find.p999()).isEqualTo(Duration.ofNanos(MS8));
        assertThat(find.enoughSamples()).isTrue();
        // p99.9 x 2 = 16.78 ms, rounded up to a whole millisecond
        assertThat(find.timeout()).isEqualTo(Duration.ofMillis(17));
        GuardAdvisor.OperationAdvice save = advice.operations().get(1);
        assertThat(save.enoughSamples()).isFalse();

        assertThat(advice.policy()).isEqualTo(GuardPolicy.builder()
                .timeout(Duration.ofMillis(17)).totalTimeout(Duration.ofMillis(60))
                // backoff: p95 of find rounded up to 3 ms; worst cases 17, 37, 60, 97 ms: 2 retries fit 60 ms
                .maxRetries(2).retryBackoff(Duration.ofMillis(3))
                // 0.94% errors x 4 is under the floor of 20%; 10,600 calls over 52.995 s = 200/s, 2 s of them
                .failureRateThreshold(20).slidingWindowSize(400).minimumNumberOfCalls(200)
                // p99 (4.19 ms) >= 2 x p95 (2.10 ms): hedge after the p95, rounded up to a microsecond
                .hedgeAfter(Duration.ofNanos(2_098_000))
                .build());
        assertThat(advice.report()).isEqualTo(advice.toString()).contains(
                "GuardAdvisor for redis: 10,600 calls over 53.0 s (200 calls/s), 0.94% failed or timed out\n",
                "  session.find (read): p50=1.0 ms p95=2.1 ms p99=4.2 ms p99.9=8.4 ms over 10,000 calls"
                        + " → timeout 17 ms (p99.9 × 2)\n",
                "  session.save (idempotent): too few samples: 500 measured calls of 500, 1,000 needed for a p99"
                        + " with 10 calls above it → no advice\n",
                "  timeout 17 ms: the highest of the operations' (session.find)\n",
                "  retries 2, backoff 3 ms (p95 of session.find): worst case 60 ms (every attempt timing out)"
                        + " within the request budget 60 ms\n",
                "  breaker: opens at 20% failed (4 × the observed 0.94%, from 20% to 90%) over the last 400 calls"
                        + " (about 2 s at 200 calls/s), judged from 200 calls\n",
                "  hedge reads after 2.1 ms (p95 of session.find",
                "  policy: GuardPolicy[timeout=PT0.017S");
    }

    @Test
    @DisplayName("with too few samples it says so and keeps the current settings")
    void tooFewSamples() {
        GuardPolicy current = GuardPolicy.defaults();
        GuardAdvisor a = advisor(GuardAdvisor.builder("redis", current));
        feed(a, 50, FIND, Outcome.SUCCESS, 0, MS1);

        GuardAdvisor.Advice advice = a.advise();

        assertThat(advice.policy()).isEqualTo(current);
        assertThat(advice.operations()).singleElement().satisfies(o -> {
            assertThat(o.enoughSamples()).isFalse();
            assertThat(o.timeout()).isEqualTo(current.timeout());
        });
        assertThat(advice.report()).contains(
                "session.find (read): too few samples: 50 measured calls of 50, 1,000 needed",
                "timeout 500 ms kept: no operation has enough measured calls yet",
                "breaker kept: 50 calls over 0.2 s are too few to judge a call rate",
                "hedging kept off");
        assertThat(advisor(GuardAdvisor.builder("redis", current)).advise().policy()).isEqualTo(current);
    }

    @Test
    @DisplayName("from 1,000 to 9,999 calls the p99 is judged; the timeout stays within its bounds")
    void p99AndBounds() {
        GuardAdvisor a = advisor(GuardAdvisor.builder("redis", GuardPolicy.defaults())
                .timeoutBounds(Duration.ofMillis(20), Duration.ofSeconds(1)).margin(3));
        feed(a, 1_000, SAVE, Outcome.SUCCESS, 0, MS2);

        GuardAdvisor.Advice advice = a.advise();

        // p99 2.10 ms x 3 = 6.3 ms -> 7 ms, raised to the 20 ms bound
        assertThat(advice.operations().get(0).timeout()).isEqualTo(Duration.ofMillis(20));
        assertThat(advice.policy().timeout()).isEqualTo(Duration.ofMillis(20));
        assertThat(advice.report()).contains("→ timeout 20 ms (p99 × 3; p99.9 needs 10,000 calls; bounded to 20 ms .. 1000 ms)",
                "hedging kept off: no read with 200 measured calls has a tail");
        // no read: hedging is left as it was; an idempotent operation: retries within the 2 s budget, at most 3
        assertThat(advice.policy().hedging()).isFalse();
        assertThat(advice.policy().maxRetries()).isEqualTo(3);
    }

    @Test
    @DisplayName("when more calls timed out than the percentile leaves above it, the current timeout is the floor")
    void censoredByTimeouts() {
        GuardPolicy current = GuardPolicy.builder().timeout(Duration.ofMillis(50)).build();
        GuardAdvisor a = advisor(GuardAdvisor.builder("redis", current));
        feed(a, 980, INCR, Outcome.SUCCESS, 0, MS1);
        feed(a, 20, INCR, Outcome.TIMEOUT, 0, 50_000_000);

        GuardAdvisor.Advice advice = a.advise();

        assertThat(advice.policy().timeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(advice.report()).contains("timeout 100 ms (current timeout 50 ms × 2: 20 calls timed out, so the p99 is at least that",
                "retries 0: no idempotent operation was seen");
        assertThat(advice.policy().maxRetries()).isZero();
    }

    @Test
    @DisplayName("the arithmetic of retries, breaker threshold and window")
    void arithmetic() {
        Duration t = Duration.ofMillis(10);
        Duration b = Duration.ofMillis(2);
        assertThat(GuardAdvisor.worstCase(t, b, 0)).isEqualTo(Duration.ofMillis(10));
        assertThat(GuardAdvisor.worstCase(t, b, 1)).isEqualTo(Duration.ofMillis(22));
        assertThat(GuardAdvisor.worstCase(t, b, 2)).isEqualTo(Duration.ofMillis(36));
        assertThat(GuardAdvisor.worstCase(t, b, 3)).isEqualTo(Duration.ofMillis(54));
        assertThat(GuardAdvisor.retriesWithin(t, b, Duration.ofMillis(21))).isZero();
        assertThat(GuardAdvisor.retriesWithin(t, b, Duration.ofMillis(36))).isEqualTo(2);
        assertThat(GuardAdvisor.retriesWithin(t, b, Duration.ofSeconds(60))).isEqualTo(3);
        assertThat(GuardAdvisor.threshold(0)).isEqualTo(20f);
        assertThat(GuardAdvisor.threshold(0.0943)).isEqualTo(38f);
        assertThat(GuardAdvisor.threshold(0.1)).isEqualTo(40f);
        assertThat(GuardAdvisor.threshold(0.3)).isEqualTo(90f);
        assertThat(GuardAdvisor.window(1)).isEqualTo(20);
        assertThat(GuardAdvisor.window(200.02)).isEqualTo(400);
        assertThat(GuardAdvisor.window(1e6)).isEqualTo(2_000);
        assertThat(GuardAdvisor.ms(Duration.ofNanos(420_000))).isEqualTo("0.42 ms");
        assertThat(GuardAdvisor.ms(Duration.ofNanos(2_098_000))).isEqualTo("2.1 ms");
        assertThat(GuardAdvisor.ms(Duration.ofMillis(250))).isEqualTo("250 ms");
    }

    @Test
    @DisplayName("watching a real guard counts its calls until closed")
    void watchesAGuard() {
        Guard g = guards.guard("redis", GuardTesting.quick().build());
        GuardAdvisor a = GuardAdvisor.watch(g);
        g.await(FIND, () -> CompletableFuture.completedFuture("v"));
        a.close();
        a.close();
        g.await(FIND, () -> CompletableFuture.completedFuture("v"));

        assertThat(a.advise().operations()).singleElement().satisfies(o -> {
            assertThat(o.calls()).isEqualTo(1);
            assertThat(o.measured()).isEqualTo(1);
            assertThat(o.read()).isTrue();
        });
        assertThat(a.toString()).isEqualTo("GuardAdvisor[redis, 1 calls]");
    }

    @Test
    @DisplayName("bad settings are refused at once, naming the setting")
    void badSettings() {
        GuardAdvisor.Builder b = GuardAdvisor.builder("redis", GuardPolicy.defaults());
        assertThatThrownBy(() -> b.margin(0.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("margin");
        assertThatThrownBy(() -> b.requestBudget(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requestBudget");
        assertThatThrownBy(() -> b.timeoutBounds(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeoutBounds min");
        assertThatThrownBy(() -> GuardAdvisor.builder(" ", GuardPolicy.defaults())).isInstanceOf(IllegalArgumentException.class);
    }
}
