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
}
