package dev.exstate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SessionOptionsTest {

    @Test
    @DisplayName("defaults are 30 min idle, 1 min touch, 100 attributes, 64 KiB, 200-character names")
    void defaults() {
        SessionOptions o = SessionOptions.defaults();

        assertThat(o.maxInactiveInterval()).isEqualTo(Duration.ofMinutes(30));
        assertThat(o.touchInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(o.maxAttributes()).isEqualTo(100);
        assertThat(o.maxSessionBytes()).isEqualTo(64 * 1024);
        assertThat(o.maxAttributeNameLength()).isEqualTo(200);
        assertThat(SessionOptions.builder().build()).isEqualTo(o);
    }

    @ParameterizedTest(name = "{0} idle timeout: {1} touch interval")
    @CsvSource({"PT2S, PT0.2S", "PT8H, PT1M"})
    @DisplayName("without an explicit touch interval, a short idle timeout gets a tenth of it, a long one keeps the 1 min default")
    void derivedTouchInterval(Duration maxInactive, Duration expectedTouch) {
        SessionOptions o = SessionOptions.builder().maxInactiveInterval(maxInactive).build();

        assertThat(o.touchInterval()).isEqualTo(expectedTouch);
    }

    @Test
    @DisplayName("an explicit touch interval is kept")
    void explicitTouchIsKept() {
        SessionOptions o = SessionOptions.builder()
                .maxInactiveInterval(Duration.ofSeconds(2)).touchInterval(Duration.ofMillis(1500)).build();

        assertThat(o.touchInterval()).isEqualTo(Duration.ofMillis(1500));
        assertThat(SessionOptions.builder().maxInactiveInterval(Duration.ofSeconds(2)).touchInterval(Duration.ZERO).build()
                .touchInterval()).isZero();
    }

    @Test
    @DisplayName("a touch interval not shorter than the idle timeout is rejected")
    void touchMustBeShorterThanTimeout() {
        assertThatThrownBy(() -> SessionOptions.builder()
                .maxInactiveInterval(Duration.ofMinutes(1)).touchInterval(Duration.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("touchInterval");
        assertThatThrownBy(() -> SessionOptions.builder().touchInterval(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("touchInterval");
    }

    @Test
    @DisplayName("an idle timeout under 1 ms is rejected")
    void timeoutMustBePositive() {
        assertThatThrownBy(() -> SessionOptions.builder().maxInactiveInterval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInactiveInterval");
        assertThatThrownBy(() -> SessionOptions.builder().maxInactiveInterval(Duration.ofNanos(999_999))
                .touchInterval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInactiveInterval");
    }

    @Test
    @DisplayName("limits must be at least 1")
    void limitsMustBePositive() {
        assertThatThrownBy(() -> SessionOptions.builder().maxAttributes(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttributes");
        assertThatThrownBy(() -> SessionOptions.builder().maxSessionBytes(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSessionBytes");
        assertThatThrownBy(() -> SessionOptions.builder().maxAttributeNameLength(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttributeNameLength");
        SessionOptions smallest = SessionOptions.builder().maxAttributes(1).maxSessionBytes(1).maxAttributeNameLength(1).build();
        assertThat(smallest.maxAttributes()).isEqualTo(1);
    }

    @Test
    @DisplayName("an idle timeout beyond 365 days is refused with IllegalArgumentException, however large")
    void hugeTimeoutIsRefused() {
        for (Duration huge : java.util.List.of(SessionOptions.MAX_INACTIVE_INTERVAL.plusMillis(1),
                Duration.ofMillis(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))) {
            assertThatThrownBy(() -> SessionOptions.builder().maxInactiveInterval(huge).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxInactiveInterval must be between 1 ms and 365 days, was " + huge);
            assertThatThrownBy(() -> SessionOptions.builder().maxInactiveInterval(huge).touchInterval(huge).build())
                    .isInstanceOf(IllegalArgumentException.class);
        }
        SessionOptions longest = SessionOptions.builder().maxInactiveInterval(SessionOptions.MAX_INACTIVE_INTERVAL).build();
        assertThat(longest.maxInactiveInterval()).isEqualTo(Duration.ofDays(365));
    }

    @Test
    @DisplayName("limits have upper bounds, named in the error")
    void limitsHaveUpperBounds() {
        assertThatThrownBy(() -> SessionOptions.builder().maxAttributes(SessionOptions.MAX_ATTRIBUTES + 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttributes must be between 1 and 10000");
        assertThatThrownBy(() -> SessionOptions.builder().maxSessionBytes(Long.MAX_VALUE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSessionBytes must be between 1 and 67108864");
        assertThatThrownBy(() -> SessionOptions.builder().maxAttributeNameLength(Integer.MAX_VALUE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttributeNameLength must be between 1 and 1024");
        SessionOptions largest = SessionOptions.builder().maxAttributes(SessionOptions.MAX_ATTRIBUTES)
                .maxSessionBytes(SessionOptions.MAX_SESSION_BYTES).maxAttributeNameLength(SessionOptions.MAX_ATTRIBUTE_NAME_LENGTH).build();
        assertThat(largest.maxSessionBytes()).isEqualTo(64L * 1024 * 1024);
    }

    @Test
    @DisplayName("null durations are rejected")
    void nullsRejected() {
        assertThatThrownBy(() -> SessionOptions.builder().maxInactiveInterval(null).build())
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> SessionOptions.builder().touchInterval(null).build())
                .isInstanceOf(NullPointerException.class);
    }

    /** A row of {@link #badSettings()}: a setter call and the exact message it is refused with. */
    private static Arguments badSetting(UnaryOperator<SessionOptions.Builder> setting, String message) {
        return Arguments.of(setting, message);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                badSetting(b -> b.maxInactiveInterval(Duration.ZERO),
                        "maxInactiveInterval must be between 1 ms and 365 days, was PT0S"),
                badSetting(b -> b.touchInterval(Duration.ofSeconds(-1)),
                        "touchInterval must be >= 0 and < maxInactiveInterval (at most 365 days), was PT-1S"),
                badSetting(b -> b.maxAttributes(0), "maxAttributes must be between 1 and 10000, was 0"),
                badSetting(b -> b.maxSessionBytes(SessionOptions.MAX_SESSION_BYTES + 1),
                        "maxSessionBytes must be between 1 and 67108864 (64 MiB), was 67108865"),
                badSetting(b -> b.maxAttributeNameLength(1025), "maxAttributeNameLength must be between 1 and 1024, was 1025"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    @DisplayName("every setter refuses an out-of-range value at once, naming the setting, the value and the range")
    void settersRefuseAtOnce(UnaryOperator<SessionOptions.Builder> setting, String message) {
        SessionOptions.Builder b = SessionOptions.builder();
        assertThatThrownBy(() -> setting.apply(b)).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(message);
        assertThat(b.build()).as("a refused value leaves the builder as it was").isEqualTo(SessionOptions.defaults());
    }

    @Test
    @DisplayName("toBuilder round-trips, and a derived touch interval follows a new idle timeout while an explicit one stays")
    void toBuilderRoundTrips() {
        SessionOptions derived = SessionOptions.builder().maxInactiveInterval(Duration.ofSeconds(2)).maxAttributes(7)
                .maxSessionBytes(99).maxAttributeNameLength(12).build();
        SessionOptions explicit = SessionOptions.builder().maxInactiveInterval(Duration.ofSeconds(2))
                .touchInterval(Duration.ofMillis(1500)).build();

        assertThat(derived.toBuilder().build()).isEqualTo(derived).hasSameHashCodeAs(derived).isNotEqualTo(explicit);
        assertThat(explicit.toBuilder().build()).isEqualTo(explicit);
        assertThat(derived.toBuilder().maxInactiveInterval(Duration.ofHours(1)).build().touchInterval())
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(SessionOptions.defaults().toBuilder().maxInactiveInterval(Duration.ofSeconds(30)).build().touchInterval())
                .as("the default touch interval of a long timeout must not block a shorter one").isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> explicit.toBuilder().maxInactiveInterval(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("touchInterval");
        assertThat(derived.toString()).contains("maxInactiveInterval=PT2S", "touchInterval=PT0.2S", "maxAttributes=7");
    }
}
