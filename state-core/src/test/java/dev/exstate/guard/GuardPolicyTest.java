package dev.exstate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GuardPolicy bounds")
class GuardPolicyTest {

    private static void refused(UnaryOperator<GuardPolicy.Builder> setting, String name) {
        assertThatThrownBy(() -> setting.apply(GuardPolicy.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name);
    }

    @Test
    @DisplayName("a sliding window of Integer.MAX_VALUE is refused by build(), not by an OutOfMemoryError later")
    void hugeWindowIsRefused() {
        refused(b -> b.slidingWindowSize(Integer.MAX_VALUE), "slidingWindowSize must be between 1 and 10000, was 2147483647");
        refused(b -> b.minimumNumberOfCalls(Integer.MAX_VALUE), "minimumNumberOfCalls");
        refused(b -> b.permittedCallsInHalfOpenState(Integer.MAX_VALUE), "permittedCallsInHalfOpenState");
        refused(b -> b.maxConcurrentCalls(Integer.MAX_VALUE), "maxConcurrentCalls must be between 1 and 1024");
        refused(b -> b.maxRetries(Integer.MAX_VALUE), "maxRetries must be between 0 and 100");
        refused(b -> b.maxRetries(-1), "maxRetries");
    }

    @Test
    @DisplayName("every duration beyond a day is refused with IllegalArgumentException naming it, however large")
    void hugeDurationsAreRefused() {
        for (Duration huge : List.of(Duration.ofDays(1).plusNanos(1), Duration.ofMillis(Long.MAX_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))) {
            refused(b -> b.timeout(huge).totalTimeout(huge), "timeout must be at most PT24H");
            refused(b -> b.totalTimeout(huge), "totalTimeout must be at most PT24H");
            refused(b -> b.waitInOpenState(huge), "waitInOpenState");
            refused(b -> b.maxWaitForSlot(huge), "maxWaitForSlot");
            refused(b -> b.retryBackoff(huge), "retryBackoff");
            refused(b -> b.maxStaleness(huge), "maxStaleness");
        }
        refused(b -> b.timeout(Duration.ZERO), "timeout must be positive");
        refused(b -> b.maxStaleness(Duration.ofMillis(-1)), "maxStaleness must be zero or positive");
    }

    @Test
    @DisplayName("the largest accepted values build a working guard")
    void largestValuesWork() {
        GuardPolicy max = GuardPolicy.builder()
                .timeout(GuardPolicy.MAX_DURATION).totalTimeout(GuardPolicy.MAX_DURATION)
                .slidingWindowSize(GuardPolicy.MAX_CALLS).minimumNumberOfCalls(GuardPolicy.MAX_CALLS)
                .permittedCallsInHalfOpenState(GuardPolicy.MAX_CALLS)
                .waitInOpenState(GuardPolicy.MAX_DURATION).maxWaitForSlot(GuardPolicy.MAX_DURATION)
                .maxConcurrentCalls(GuardPolicy.MAX_CONCURRENT_CALLS).maxRetries(GuardPolicy.MAX_RETRIES)
                .retryBackoff(GuardPolicy.MAX_DURATION).maxStaleness(GuardPolicy.MAX_DURATION)
                .build();

        try (Guard g = Guard.create("redis", max)) {
            assertThat(g.call(Operation.idempotent("ping"), () -> "pong")).isEqualTo("pong");
            assertThat(g.health().status()).isEqualTo(dev.exstate.health.BackendHealth.Status.UP);
        }
    }
}
