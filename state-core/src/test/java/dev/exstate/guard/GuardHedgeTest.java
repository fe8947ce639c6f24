package dev.exstate.guard;

import static dev.exstate.guard.GuardTesting.quick;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.guard.GuardObserver.Call;
import dev.exstate.guard.GuardObserver.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("Guard hedged reads and adaptive timeout")
class GuardHedgeTest {
    private static final Operation READ = Operation.read("session.find");
    private static final Operation WRITE = Operation.idempotent("session.save");

    @RegisterExtension
    final GuardTesting guards = new GuardTesting();

    /** First call: a future that never completes; later calls: {@code "hedge"} at once. */
    private static final class SlowFirst implements java.util.function.Supplier<CompletableFuture<String>> {
        final List<CompletableFuture<String>> started = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<String> get() {
            CompletableFuture<String> f = started.isEmpty() ? new CompletableFuture<>()
                    : CompletableFuture.completedFuture("hedge");
            started.add(f);
            return f;
        }
    }

    @Nested
    @DisplayName("hedging")
    class Hedging {

        @Test
        @DisplayName("a read that has not answered after the hedge delay is sent again; the first success answers and the loser is cancelled")
        void hedgeAnswers() {
            Guard g = guards.guard("redis", quick().hedgeAfter(Duration.ofMillis(5)).build());
            List<Call> seen = new CopyOnWriteArrayList<>();
            g.addObserver(seen::add);
            SlowFirst body = new SlowFirst();

            assertThat(g.await(READ, body)).isEqualTo("hedge");

            assertThat(body.started).hasSize(2);
            assertThat(body.started.get(0)).isCancelled();
            GuardStats s = g.stats();
            assertThat(s.hedges()).isEqualTo(1);
            assertThat(s.hedgeWins()).isEqualTo(1);
            assertThat(s.retries()).isZero();
            assertThat(s.successes()).isEqualTo(1);
            assertThat(seen).singleElement().satisfies(c -> {
                assertThat(c.outcome()).isEqualTo(Outcome.SUCCESS);
                assertThat(c.retries()).isZero();
            });
            assertThat(g.health().toString()).contains("0 of 64 calls in flight"); // both slots are free again
        }

        @Test
        @DisplayName("a write, even an idempotent one, is never hedged")
        void writesAreNotHedged() {
            Guard g = guards.guard("redis", quick().timeout(Duration.ofMillis(100)).totalTimeout(Duration.ofMillis(100))
                    .hedgeAfter(Duration.ofMillis(5)).build());
            SlowFirst body = new SlowFirst();

            assertThatThrownBy(() -> g.await(WRITE, body)).isInstanceOf(StateTimeoutException.class);

            assertThat(body.started).hasSize(1);
            assertThat(g.stats().hedges()).isZero();
        }

        @Test
        @DisplayName("a read that answers before the hedge delay is not hedged")
        void fastReadIsNotHedged() {
            Guard g = guards.guard("redis", quick().hedgeAfter(Duration.ofSeconds(4)).build());
            AtomicInteger bodies = new AtomicInteger();

            assertThat(g.await(READ, () -> {
                bodies.incrementAndGet();
                return CompletableFuture.completedFuture("v");
            })).isEqualTo("v");

            assertThat(bodies).hasValue(1);
            assertThat(g.stats().hedges()).isZero();
        }

        @Test
        @DisplayName("when the first attempt fails after the hedge was sent, the hedge's success answers")
        void firstSuccessWins() throws Exception {
            Guard g = guards.guard("redis", quick().maxRetries(0).hedgeAfter(Duration.ofMillis(5)).build());
            CompletableFuture<String> first = new CompletableFuture<>();
            CompletableFuture<String> second = new CompletableFuture<>();
            List<CompletableFuture<String>> bodies = List.of(first, second);
            AtomicInteger n = new AtomicInteger();
            Future<String> result = guards.callers().submit(() -> g.await(READ, () -> bodies.get(n.getAndIncrement())));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(n).hasValue(2));

            first.completeExceptionally(new IOException("connection reset"));
            second.complete("late");

            assertThat(result.get()).isEqualTo("late");
            assertThat(g.stats().hedgeWins()).isEqualTo(1);
            assertThat(g.stats().failures()).isZero();
        }

        @Test
        @DisplayName("when both attempts fail, the call fails once, with the later failure")
        void bothFail() {
            Guard g = guards.guard("redis", quick().maxRetries(0).hedgeAfter(Duration.ofMillis(5)).build());
            AtomicInteger n = new AtomicInteger();
            CompletableFuture<String> first = new CompletableFuture<>();

            assertThatThrownBy(() -> g.await(READ, () -> {
                if (n.getAndIncrement() == 0) {
                    return first;
                }
                first.completeExceptionally(new IOException("first broke"));
                return CompletableFuture.failedFuture(new IOException("second broke"));
            })).isInstanceOf(StateUnavailableException.class).hasMessageContaining("broke");

            assertThat(g.stats().failures()).isEqualTo(1);
            assertThat(g.stats().hedges()).isEqualTo(1);
            assertThat(g.stats().hedgeWins()).isZero();
        }

        @Test
        @DisplayName("hedges stay within the budget: a burst of 10, then one per 10 calls at the default 10%")
        void budget() {
            Guard g = guards.guard("redis", quick().maxRetries(0).timeout(Duration.ofMillis(20))
                    .totalTimeout(Duration.ofMillis(20)).hedgeAfter(Duration.ofMillis(1)).build());
            int timedOut = 0;
            for (int i = 0; i < 40; i++) {
                try {
                    g.await(READ, new SlowFirst());
                } catch (StateTimeoutException e) {
                    timedOut++;
                }
            }
            // calls 1-11 spend the burst (10) and what calls 2-11 earned (1); then calls 21 and 31
            assertThat(g.stats().hedges()).isEqualTo(13);
            assertThat(timedOut).isEqualTo(27);
        }

        @Test
        @DisplayName("hedging after a measured percentile starts once 200 calls of the read were measured")
        void percentileHedging() {
            // a short attempt timeout: until hedging starts, the retry of a slow first attempt answers
            Guard g = guards.guard("redis", quick().timeout(Duration.ofMillis(200)).hedgeAfterPercentile(95).build());
            // before any measurement: not hedged, the slow first attempt is simply waited for
            CompletableFuture<String> slow = new CompletableFuture<>();
            Future<String> unhedged = guards.callers().submit(() -> g.await(READ, () -> slow));
            slow.complete("waited");
            assertThat(unhedged).succeedsWithin(Duration.ofSeconds(30)).isEqualTo("waited");
            assertThat(g.stats().hedges()).isZero();

            for (int i = 0; i < 250; i++) {
                g.await(READ, () -> CompletableFuture.completedFuture("fast"));
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(g.await(READ, new SlowFirst())).isEqualTo("hedge");
                assertThat(g.stats().hedges()).isPositive();
            });
        }
    }

    @Nested
    @DisplayName("adaptive timeout")
    class Adaptive {

        @Test
        @DisplayName("starts at its maximum, follows the measured latency after 1,000 calls, and never leaves [min, max]")
        void followsMeasurement() {
            Duration min = Duration.ofMillis(3);
            Duration max = Duration.ofSeconds(4);
            Guard g = guards.guard("redis", quick().adaptiveTimeout(min, max).build());
            assertThat(g.timeout(READ)).isEqualTo(max);

            for (int i = 0; i < 1_000; i++) {
                g.await(READ, () -> CompletableFuture.completedFuture("fast"));
            }

            // fast calls: 2 x p99 is far below 3 ms, so the minimum
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(g.timeout(READ)).isEqualTo(min));
            assertThat(g.timeout(WRITE)).isEqualTo(max); // another operation: measured apart
            assertThat(g.policy().adaptiveTimeout()).isTrue();
        }

        @Test
        @DisplayName("the fixed timeout applies when the policy does not adapt")
        void fixed() {
            Guard g = guards.guard("redis", quick().build());
            assertThat(g.timeout(READ)).isEqualTo(Duration.ofSeconds(5));
        }
    }
}
