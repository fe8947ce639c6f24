package dev.exstate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("GuardPolicy options that follow measurement")
class GuardPolicyMeasuredTest {

    @Test
    @DisplayName("adaptive timeout and hedging are off by default")
    void defaults() {
        GuardPolicy p = GuardPolicy.defaults();
        assertThat(p.adaptiveTimeout()).isFalse();
        assertThat(p.adaptiveTimeoutMin()).isZero();
        assertThat(p.hedging()).isFalse();
        assertThat(p.hedgeDelay()).isZero();
        assertThat(p.hedgePercentile()).isZero();
        assertThat(p.hedgeBudget()).isEqualTo(0.1);
        assertThat(p.toString()).doesNotContain("adaptive", "hedge");
    }

    @Test
    @DisplayName("the settings are kept, copied, compared and printed")
    void kept() {
        GuardPolicy p = GuardPolicy.builder().adaptiveTimeout(Duration.ofMillis(2), Duration.ofMillis(300))
                .hedgeAfterPercentile(95).hedgeBudget(0.05).build();
        assertThat(p.adaptiveTimeoutMin()).isEqualTo(Duration.ofMillis(2));
        assertThat(p.adaptiveTimeoutMax()).isEqualTo(Duration.ofMillis(300));
        assertThat(p.hedging()).isTrue();
        assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
        assertThat(p.toBuilder().fixedTimeout().build()).isNotEqualTo(p);
        assertThat(p.toBuilder().fixedTimeout().build().adaptiveTimeout()).isFalse();
        assertThat(p.toString()).contains("adaptiveTimeout=[PT0.002S, PT0.3S]", "hedgePercentile=95.0", "hedgeBudget=0.05");
        GuardPolicy fixedHedge = GuardPolicy.builder().hedgeAfter(Duration.ofMillis(3)).build();
        assertThat(fixedHedge.hedging()).isTrue();
        assertThat(fixedHedge.toString()).contains("hedgeDelay=PT0.003S");
    }

    @Test
    @DisplayName("bad values are refused at once, naming the setting")
    void refused() {
        GuardPolicy.Builder b = GuardPolicy.builder();
        assertThatThrownBy(() -> b.adaptiveTimeout(Duration.ofMillis(5), Duration.ofMillis(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adaptiveTimeout min (PT0.005S) must be <= max");
        assertThatThrownBy(() -> b.adaptiveTimeout(Duration.ZERO, Duration.ofMillis(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adaptiveTimeout min");
        assertThatThrownBy(() -> b.hedgeAfterPercentile(40)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hedgeAfterPercentile must be 0 (off) or between 50 and 99.9, was 40");
        assertThatThrownBy(() -> b.hedgeBudget(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hedgeBudget");
        assertThatThrownBy(() -> b.hedgeAfter(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hedgeAfter");
        assertThatThrownBy(() -> GuardPolicy.builder().adaptiveTimeout(Duration.ofMillis(1), Duration.ofSeconds(3)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("totalTimeout (PT2S) must be >= adaptiveTimeout max (PT3S)");
        assertThatThrownBy(() -> GuardPolicy.builder().hedgeAfter(Duration.ofMillis(1)).hedgeAfterPercentile(95).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose one");
    }

    @Test
    @DisplayName("a read is idempotent; a non-idempotent read is refused")
    void reads() {
        assertThat(Operation.read("session.find")).isEqualTo(new Operation("session.find", true, true));
        assertThat(Operation.idempotent("session.find").read()).isFalse();
        assertThat(new Operation("x", true)).isEqualTo(Operation.idempotent("x"));
        assertThatThrownBy(() -> new Operation("x", false, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be idempotent");
    }
}
