package dev.exstate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one backoff: ceilings that grow and stop at the cap, jitter within its range, bad settings refused. */
@DisplayName("Backoff")
class BackoffTest {

    /** Always draws the lowest value the backoff allows. */
    private static final RandomGenerator LOWEST = new Fixed(true);
    /** Always draws the highest value the backoff allows. */
    private static final RandomGenerator HIGHEST = new Fixed(false);

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    @DisplayName("without jitter the pause starts at initial and grows by the multiplier until it reaches max")
    void growsUntilTheCap() {
        Backoff b = new Backoff(ms(100), ms(2_000), 2, 0);

        assertThat(IntStream.rangeClosed(1, 7).mapToObj(b::delay).toList())
                .containsExactly(ms(100), ms(200), ms(400), ms(800), ms(1_600), ms(2_000), ms(2_000));
    }

    @Test
    @DisplayName("a multiplier that is not a whole number grows the pause by that factor")
    void fractionalMultiplier() {
        Backoff b = new Backoff(ms(100), ms(1_000), 1.5, 0);

        assertThat(IntStream.rangeClosed(1, 3).mapToObj(b::delay).toList()).containsExactly(ms(100), ms(150), ms(225));
    }

    @Test
    @DisplayName("a multiplier of 1 keeps the pause constant")
    void constant() {
        Backoff b = new Backoff(ms(30), ms(30), 1, 0);

        assertThat(b.delay(1)).isEqualTo(ms(30));
        assertThat(b.delay(1_000)).isEqualTo(ms(30));
    }

    @Test
    @DisplayName("any number of attempts stays at max: the growth never overflows")
    void hugeAttemptsStayAtTheCap() {
        Backoff b = new Backoff(Duration.ofNanos(1), Duration.ofDays(1), 2, 0);

        assertThat(b.delay(64)).isEqualTo(Duration.ofDays(1));
        assertThat(b.delay(5_000)).isEqualTo(Duration.ofDays(1));
        assertThat(b.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(1));
    }

    @Test
    @DisplayName("a zero initial pause means no pause at all")
    void zeroInitial() {
        Backoff b = new Backoff(Duration.ZERO, ms(500), 2, 1);

        assertThat(b.delay(1, HIGHEST)).isZero();
        assertThat(b.delay(Integer.MAX_VALUE, HIGHEST)).isZero();
    }

    @Test
    @DisplayName("jitter 0.5 keeps the pause between half the ceiling and the ceiling, both ends reachable")
    void halfJitterRange() {
        Backoff b = new Backoff(ms(50), ms(10_000), 2, 0.5);

        assertThat(b.delay(3, LOWEST)).isEqualTo(ms(100));
        assertThat(b.delay(3, HIGHEST)).isEqualTo(ms(200));
        assertThat(b.delay(20, LOWEST)).isEqualTo(ms(5_000));
        assertThat(b.delay(20, HIGHEST)).isEqualTo(ms(10_000));
    }

    @Test
    @DisplayName("full jitter draws from zero up to the ceiling")
    void fullJitterRange() {
        Backoff b = new Backoff(ms(50), ms(5_000), 2, 1);

        assertThat(b.delay(2, LOWEST)).isZero();
        assertThat(b.delay(2, HIGHEST)).isEqualTo(ms(100));
    }

    @Test
    @DisplayName("random pauses stay within the range and spread over it")
    void randomPausesSpread() {
        Backoff b = new Backoff(ms(50), ms(2_000), 2, 0.5);
        SplittableRandom random = new SplittableRandom(42);
        Set<Duration> seen = new HashSet<>();

        for (int i = 0; i < 1_000; i++) {
            Duration d = b.delay(4, random);
            assertThat(d).isBetween(ms(200), ms(400));
            seen.add(d);
        }
        assertThat(seen).hasSizeGreaterThan(900);
    }

    @Test
    @DisplayName("the default random also stays within the range")
    void defaultRandomWithinRange() {
        Backoff b = new Backoff(ms(100), ms(2_000), 2, 0.5);

        for (int i = 0; i < 200; i++) {
            assertThat(b.delay(2)).isBetween(ms(100), ms(200));
        }
    }

    @Test
    @DisplayName("an attempt below 1 is refused")
    void attemptBelowOne() {
        Backoff b = new Backoff(ms(100), ms(2_000), 2, 0.5);

        assertThatThrownBy(() -> b.delay(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attempt");
        assertThatThrownBy(() -> b.delay(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    @DisplayName("bad settings are refused with the value named")
    void badSettings() {
        assertThatThrownBy(() -> new Backoff(null, ms(1), 2, 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), null, 2, 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Backoff(ms(-1), ms(1), 2, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial").hasMessageContaining("-0.001");
        assertThatThrownBy(() -> new Backoff(ms(100), ms(50), 2, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max").hasMessageContaining("initial");
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), 0.5, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier").hasMessageContaining("0.5");
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), Double.POSITIVE_INFINITY, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), 2, -0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter").hasMessageContaining("-0.1");
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), 2, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), 2, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(ms(1), Duration.ofSeconds(Long.MAX_VALUE), 2, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), 2, 0).delay(1, null)).isInstanceOf(NullPointerException.class);
    }

    /** Returns an end of the requested range instead of a random value. */
    private record Fixed(boolean lowest) implements RandomGenerator {
        @Override
        public long nextLong() {
            throw new AssertionError("the backoff must ask for a bounded value");
        }

        @Override
        public long nextLong(long origin, long bound) {
            return lowest ? origin : bound - 1;
        }
    }
}
