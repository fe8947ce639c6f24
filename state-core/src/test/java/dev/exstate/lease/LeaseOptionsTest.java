package dev.exstate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LeaseOptions bounds")
class LeaseOptionsTest {

    @Test
    @DisplayName("a TTL beyond 365 days is refused with IllegalArgumentException naming it, however large")
    void hugeTtlIsRefused() {
        for (Duration huge : List.of(LeaseOptions.MAX_TTL.plusMillis(1), Duration.ofMillis(Long.MAX_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))) {
            assertThatThrownBy(() -> LeaseOptions.of(huge))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("lease ttl must be between 1 ms and 365 days, was " + huge);
            assertThatThrownBy(() -> LeaseOptions.builder(huge).autoRenew(false).build())
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> LeaseOptions.of(Duration.ofNanos(999_999))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("the longest TTL is accepted with sensible defaults")
    void longestTtlIsAccepted() {
        LeaseOptions o = LeaseOptions.of(LeaseOptions.MAX_TTL);

        assertThat(o.ttl()).isEqualTo(Duration.ofDays(365));
        assertThat(o.renewEvery()).isLessThan(o.ttl());
        assertThat(o.safetyMargin()).isLessThan(o.ttl());
    }

    @Test
    @DisplayName("renewEvery and safetyMargin are checked against the TTL when set, naming the value and the range")
    void settersRefuseAtOnce() {
        LeaseOptions.Builder b = LeaseOptions.builder(Duration.ofSeconds(30));
        assertThatThrownBy(() -> b.renewEvery(Duration.ofSeconds(30)))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("renewEvery must be positive and shorter than ttl (PT30S), was PT30S");
        assertThatThrownBy(() -> b.renewEvery(Duration.ZERO)).isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("renewEvery");
        assertThatThrownBy(() -> b.safetyMargin(Duration.ofMillis(-1)))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("safetyMargin must be >= 0 and shorter than ttl (PT30S), was PT-0.001S");
        assertThatThrownBy(() -> b.renewEvery(null)).isInstanceOf(NullPointerException.class).hasMessage("renewEvery");
        assertThat(b.build()).as("refused values leave the builder as it was").isEqualTo(LeaseOptions.of(Duration.ofSeconds(30)));
    }

    @Test
    @DisplayName("toBuilder round-trips; options differing in one setting are not equal; the last value set wins")
    void toBuilderRoundTrips() {
        LeaseOptions o = LeaseOptions.builder(Duration.ofSeconds(30)).autoRenew(false)
                .renewEvery(Duration.ofSeconds(5)).safetyMargin(Duration.ZERO).build();

        assertThat(o.toBuilder().build()).isEqualTo(o).hasSameHashCodeAs(o).isNotEqualTo(LeaseOptions.of(Duration.ofSeconds(30)));
        assertThat(o.toBuilder().renewEvery(Duration.ofSeconds(6)).build().renewEvery()).isEqualTo(Duration.ofSeconds(6));
        assertThat(o.toString()).contains("ttl=PT30S", "autoRenew=false", "renewEvery=PT5S", "safetyMargin=PT0S");
    }
}
