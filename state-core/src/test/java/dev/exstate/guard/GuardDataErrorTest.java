package dev.exstate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Guard and data errors (StateDataException)")
class GuardDataErrorTest {
    private static final Operation FIND = Operation.idempotent("session.find");

    // a breaker that opens on the first failure: any data error counted would open it at once
    private final Guard guard = Guard.create("redis", GuardPolicy.builder()
            .slidingWindowSize(2).minimumNumberOfCalls(2).maxRetries(2).retryBackoff(Duration.ofMillis(1)).build());

    @AfterEach
    void close() {
        guard.close();
    }

    private static StateDataException corrupt() {
        return new StateDataException("redis", FIND.name(), Duration.ZERO, "WRONGTYPE Operation against a key", null);
    }

    @Test
    @DisplayName("a data error from an async body passes through as it is: not retried, not counted, no fallback")
    void asyncDataErrorIsNotAnOutage() {
        AtomicInteger attempts = new AtomicInteger();

        for (int i = 0; i < 20; i++) {
            StateDataException e = corrupt();
            assertThatThrownBy(() -> guard.await(FIND, () -> {
                attempts.incrementAndGet();
                return CompletableFuture.failedFuture(e);
            }, Fallback.value("stale"))).isSameAs(e);
        }

        assertThat(attempts).hasValue(20);
        GuardStats stats = guard.stats();
        assertThat(stats.failures()).isZero();
        assertThat(stats.retries()).isZero();
        assertThat(stats.fallbacks()).isZero();
        assertThat(stats.breakerState()).isEqualTo("CLOSED");
        assertThat(guard.await(FIND, () -> CompletableFuture.completedFuture("ok"))).isEqualTo("ok");
    }

    @Test
    @DisplayName("a data error from a blocking body is not an outage either")
    void blockingDataErrorIsNotAnOutage() {
        for (int i = 0; i < 20; i++) {
            StateDataException e = corrupt();
            assertThatThrownBy(() -> guard.call(FIND, () -> {
                throw e;
            })).isSameAs(e);
        }

        assertThat(guard.stats().failures()).isZero();
        assertThat(guard.health().status()).isEqualTo(dev.exstate.health.BackendHealth.Status.UP);
    }
}
