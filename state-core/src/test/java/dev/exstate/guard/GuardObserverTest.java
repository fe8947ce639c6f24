package dev.exstate.guard;

import static dev.exstate.guard.GuardTesting.quick;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.guard.GuardObserver.Call;
import dev.exstate.guard.GuardObserver.Outcome;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("GuardObserver")
class GuardObserverTest {
    private static final Operation FIND = Operation.idempotent("session.find");
    private static final Operation SAVE = Operation.nonIdempotent("session.save");

    @RegisterExtension
    final GuardTesting guards = new GuardTesting();
    private final List<Call> seen = new CopyOnWriteArrayList<>();
    private final ExecutorService callers = guards.callers();

    private Guard observed(GuardPolicy policy) {
        Guard g = guards.guard("redis", policy);
        g.addObserver(seen::add);
        return g;
    }

    private Call only() {
        assertThat(seen).hasSize(1);
        return seen.get(0);
    }

    @Test
    @DisplayName("a call that succeeds is reported once, with backend, operation, no retries and its duration")
    void success() {
        Guard g = observed(quick().build());

        assertThat(g.call(FIND, () -> "v")).isEqualTo("v");

        Call c = only();
        assertThat(c.backend()).isEqualTo("redis");
        assertThat(c.operation()).isEqualTo(FIND);
        assertThat(c.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(c.fallback()).isFalse();
        assertThat(c.retries()).isZero();
        assertThat(c.durationNanos()).isPositive();
        assertThat(c.duration()).isEqualTo(Duration.ofNanos(c.durationNanos()));
    }

    @Test
    @DisplayName("a call that succeeds on a retry is reported once, as a success with its retries")
    void retriedSuccess() {
        Guard g = observed(quick().build());
        AtomicInteger attempts = new AtomicInteger();

        g.call(FIND, () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IOException("connection refused");
            }
            return "v";
        });

        assertThat(only().outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(only().retries()).isEqualTo(2);
        assertThat(g.stats().retries()).isEqualTo(2);
    }

    @Test
    @DisplayName("a backend failure after all retries is a FAILURE; with a fallback value it is marked as served by the fallback")
    void failureAndFallback() {
        Guard g = observed(quick().build());

        assertThatThrownBy(() -> g.call(FIND, () -> {
            throw new IOException("connection refused");
        })).isInstanceOf(StateUnavailableException.class);
        String v = g.call(SAVE, () -> {
            throw new IOException("connection refused");
        }, Fallback.value("default"));

        assertThat(v).isEqualTo("default");
        assertThat(seen).extracting(Call::operation, Call::outcome, Call::fallback, Call::retries)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(FIND, Outcome.FAILURE, false, 2),
                        org.assertj.core.groups.Tuple.tuple(SAVE, Outcome.FAILURE, true, 0));
    }

    @Test
    @DisplayName("a call whose attempt runs out of time is a TIMEOUT")
    void timeout() {
        Guard g = observed(quick().timeout(Duration.ofMillis(100)).totalTimeout(Duration.ofMillis(100)).build());

        assertThatThrownBy(() -> g.call(SAVE, () -> {
            Thread.sleep(60_000);
            return "late";
        })).isInstanceOf(StateTimeoutException.class);

        assertThat(only().outcome()).isEqualTo(Outcome.TIMEOUT);
    }

    @Test
    @DisplayName("a call refused by the open breaker is CIRCUIT_OPEN, and with a fallback it is served by it")
    void circuitOpen() {
        Guard g = observed(quick().maxRetries(0).slidingWindowSize(2).minimumNumberOfCalls(2).build());
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> g.call(SAVE, () -> {
                throw new IOException("down");
            })).isInstanceOf(StateUnavailableException.class);
        }
        seen.clear();

        assertThatThrownBy(() -> g.call(SAVE, () -> "never")).isInstanceOf(CircuitOpenException.class);
        assertThat(g.call(SAVE, () -> "never", Fallback.value("off"))).isEqualTo("off");

        assertThat(seen).extracting(Call::outcome, Call::fallback)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Outcome.CIRCUIT_OPEN, false),
                        org.assertj.core.groups.Tuple.tuple(Outcome.CIRCUIT_OPEN, true));
    }

    @Test
    @DisplayName("a call that finds no bulkhead slot is BULKHEAD_FULL")
    void bulkheadFull() throws Exception {
        Guard g = observed(quick().maxConcurrentCalls(1).maxWaitForSlot(Duration.ofMillis(10)).build());
        HeldSlots held = HeldSlots.hold(g, SAVE, 1, callers);

        assertThatThrownBy(() -> g.call(SAVE, () -> "never")).isInstanceOf(BulkheadFullException.class);
        held.release();

        assertThat(seen).extracting(Call::outcome).containsExactlyInAnyOrder(Outcome.BULKHEAD_FULL, Outcome.SUCCESS);
    }

    @Test
    @DisplayName("a caller error passes through and is reported as CALLER_ERROR, not as a failure")
    void callerError() {
        Guard g = observed(quick().build());

        assertThatThrownBy(() -> g.call(FIND, () -> {
            throw new IllegalArgumentException("bad key");
        })).isInstanceOf(IllegalArgumentException.class);

        assertThat(only().outcome()).isEqualTo(Outcome.CALLER_ERROR);
        assertThat(only().retries()).isZero();
    }

    @Test
    @DisplayName("await and callAsync are reported too, before the caller sees the result")
    void asyncCalls() {
        Guard g = observed(quick().build());

        assertThat(g.await(FIND, () -> CompletableFuture.completedFuture("a"))).isEqualTo("a");
        CompletableFuture<String> pending = new CompletableFuture<>();
        CompletableFuture<Integer> seenWhenDone = g.callAsync(FIND, () -> pending).thenApply(v -> seen.size());
        assertThat(seen).hasSize(1);
        pending.complete("b");

        assertThat(seenWhenDone.join()).isEqualTo(2);
        assertThat(seen).extracting(Call::outcome).containsExactly(Outcome.SUCCESS, Outcome.SUCCESS);
        CompletableFuture<String> failing = g.callAsync(SAVE, () -> CompletableFuture.failedFuture(new IOException("down")),
                Fallback.value("x"));
        assertThat(failing.join()).isEqualTo("x");
        assertThat(seen.get(2).outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(seen.get(2).fallback()).isTrue();
    }

    @Test
    @DisplayName("an observer that throws never changes a call's result, and the others are still told")
    void throwingObserver() {
        Guard g = guards.guard("redis", quick().build());
        g.addObserver(c -> {
            throw new IllegalStateException("observer bug");
        });
        g.addObserver(seen::add);

        assertThat(g.call(FIND, () -> "v")).isEqualTo("v");
        assertThatThrownBy(() -> g.call(FIND, () -> {
            throw new IllegalArgumentException("bad key");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad key");
        assertThat(g.callAsync(FIND, () -> CompletableFuture.completedFuture("w")).join()).isEqualTo("w");

        assertThat(seen).hasSize(3);
    }

    @Test
    @DisplayName("a removed observer is told nothing more; calls refused by a closed guard are not calls")
    void removedObserverAndClosedGuard() throws Exception {
        Guard g = guards.guard("redis", quick().build());
        AutoCloseable handle = g.addObserver(seen::add);
        g.call(FIND, () -> "v");
        handle.close();
        handle.close();
        g.call(FIND, () -> "v");
        assertThat(seen).hasSize(1);

        g.addObserver(seen::add);
        g.close();
        assertThatThrownBy(() -> g.call(FIND, () -> "v")).isInstanceOf(StateUnavailableException.class);
        assertThat(seen).hasSize(1);
    }
}
