package dev.exstate.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.memory.InMemoryBackend;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LeasedScheduler bounds")
class LeasedSchedulerBoundsTest {
    private static final LeasedJob NOOP = ctx -> { };

    @Test
    @DisplayName("a period or delay beyond LeaseOptions.MAX_TTL is refused with IllegalArgumentException naming it")
    void hugePeriodsAreRefused() {
        try (LeaseProvider leases = InMemoryBackend.create().leaseProvider();
             LeasedScheduler scheduler = LeasedScheduler.builder(leases).build()) {
            for (Duration huge : List.of(LeaseOptions.MAX_TTL.plusMillis(1), Duration.ofMillis(Long.MAX_VALUE),
                    Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))) {
                assertThatThrownBy(() -> scheduler.scheduleAtFixedRate("rate", huge, NOOP))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("period must be between 1 ms and 365 days")
                        .hasMessageContaining(huge.toString());
                assertThatThrownBy(() -> scheduler.scheduleWithFixedDelay("delay", huge, NOOP))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("delay must be between 1 ms and 365 days");
            }

            ScheduledJob yearly = scheduler.scheduleAtFixedRate("yearly", LeaseOptions.MAX_TTL, NOOP);
            assertThat(yearly.name()).isEqualTo("yearly");
            yearly.cancel();
        }
    }

    @Test
    @DisplayName("a shutdown grace beyond an hour is refused")
    void hugeGraceIsRefused() {
        try (LeaseProvider leases = InMemoryBackend.create().leaseProvider()) {
            assertThatThrownBy(() -> LeasedScheduler.builder(leases).shutdownGrace(Duration.ofSeconds(Long.MAX_VALUE)).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("shutdownGrace must be between 0 and 1 hours");
        }
    }
}
