package dev.exstate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
            refused(b -> b.timeout(huge).totalTimeout(huge), "timeout must be positive and at most PT24H");
            refused(b -> b.totalTimeout(huge), "totalTimeout must be positive and at most PT24H");
            refused(b -> b.waitInOpenState(huge), "waitInOpenState");
            refused(b -> b.maxWaitForSlot(huge), "maxWaitForSlot");
            refused(b -> b.retryBackoff(huge), "retryBackoff");
            refused(b -> b.maxStaleness(huge), "maxStaleness");
        }
        refused(b -> b.timeout(Duration.ZERO), "timeout must be positive");
        refused(b -> b.maxStaleness(Duration.ofMillis(-1)), "maxStaleness must be between 0 and PT24H (1 day), was PT-0.001S");
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

    /** A row of {@link #badSettings()}: a setter call and the exact message it is refused with. */
    private static Arguments badSetting(UnaryOperator<GuardPolicy.Builder> setting, String message) {
        return Arguments.of(setting, message);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                badSetting(b -> b.timeout(Duration.ZERO), "timeout must be positive and at most PT24H (1 day), was PT0S"),
                badSetting(b -> b.totalTimeout(Duration.ofDays(2)),
                        "totalTimeout must be positive and at most PT24H (1 day), was PT48H"),
                badSetting(b -> b.failureRateThreshold(Float.NaN), "failureRateThreshold must be in (0, 100], was NaN"),
                badSetting(b -> b.failureRateThreshold(100.5f), "failureRateThreshold must be in (0, 100], was 100.5"),
                badSetting(b -> b.slidingWindowSize(0), "slidingWindowSize must be between 1 and 10000, was 0"),
                badSetting(b -> b.minimumNumberOfCalls(10_001), "minimumNumberOfCalls must be between 1 and 10000, was 10001"),
                badSetting(b -> b.waitInOpenState(Duration.ofMillis(-1)),
                        "waitInOpenState must be positive and at most PT24H (1 day), was PT-0.001S"),
                badSetting(b -> b.permittedCallsInHalfOpenState(0),
                        "permittedCallsInHalfOpenState must be between 1 and 10000, was 0"),
                badSetting(b -> b.maxConcurrentCalls(1025), "maxConcurrentCalls must be between 1 and 1024, was 1025"),
                badSetting(b -> b.maxWaitForSlot(Duration.ofSeconds(-1)),
                        "maxWaitForSlot must be between 0 and PT24H (1 day), was PT-1S"),
                badSetting(b -> b.maxRetries(101), "maxRetries must be between 0 and 100, was 101"),
                badSetting(b -> b.retryBackoff(Duration.ZERO),
                        "retryBackoff must be positive and at most PT24H (1 day), was PT0S"),
                badSetting(b -> b.maxStaleness(Duration.ofDays(1).plusNanos(1)),
                        "maxStaleness must be between 0 and PT24H (1 day), was PT24H0.000000001S"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    @DisplayName("every setter refuses an out-of-range value at once, naming the setting, the value and the range")
    void settersRefuseAtOnce(UnaryOperator<GuardPolicy.Builder> setting, String message) {
        GuardPolicy.Builder b = GuardPolicy.builder();
        assertThatThrownBy(() -> setting.apply(b))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
        assertThat(b.build()).as("a refused value leaves the builder as it was").isEqualTo(GuardPolicy.defaults());
    }

    @Test
    @DisplayName("null settings are refused at once with NullPointerException naming the setting")
    void nullsRefused() {
        assertThatThrownBy(() -> GuardPolicy.builder().timeout(null))
                .isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> GuardPolicy.builder().maxStaleness(null))
                .isInstanceOf(NullPointerException.class).hasMessage("maxStaleness");
    }

    @Test
    @DisplayName("toBuilder round-trips; equal settings are equal policies; the last value set wins")
    void toBuilderEqualsAndOverride() {
        GuardPolicy p = GuardPolicy.builder().timeout(Duration.ofMillis(4321)).totalTimeout(Duration.ofSeconds(9))
                .failureRateThreshold(25.5f).slidingWindowSize(7).minimumNumberOfCalls(3)
                .waitInOpenState(Duration.ofSeconds(2)).permittedCallsInHalfOpenState(1).maxConcurrentCalls(5)
                .maxWaitForSlot(Duration.ZERO).maxRetries(0).retryBackoff(Duration.ofMillis(7))
                .maxStaleness(Duration.ZERO).build();

        assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p).isNotEqualTo(GuardPolicy.defaults());
        assertThat(p.toString()).contains("timeout=PT4.321S", "failureRateThreshold=25.5", "maxRetries=0");
        GuardPolicy changed = p.toBuilder().timeout(Duration.ofSeconds(1)).build();
        assertThat(changed).isNotEqualTo(p);
        assertThat(changed.toBuilder().timeout(Duration.ofMillis(4321)).build()).isEqualTo(p);
        assertThatThrownBy(() -> p.toBuilder().timeout(Duration.ofSeconds(10)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("totalTimeout (PT9S) must be >= timeout (PT10S)");
    }
}
