package dev.exstate.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.guard.GuardPolicy;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Tuning: adaptive timeout and hedge delay from measured latency")
class TuningTest {
    private static final long MS = 1_000_000;

    private static LatencyHistogram.Snapshot samples(int fast, long fastNanos, int slow, long slowNanos) {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < fast; i++) {
            h.record(fastNanos);
        }
        for (int i = 0; i < slow; i++) {
            h.record(slowNanos);
        }
        return h.snapshot();
    }

    @Test
    @DisplayName("below 1,000 calls the adaptive timeout stays at its maximum")
    void tooFewStaysAtMax() {
        assertThat(Tuning.adaptiveTimeout(samples(999, MS, 0, 0), 2 * MS, 500 * MS)).isEqualTo(500 * MS);
    }

    @Test
    @DisplayName("from 1,000 calls it is the p99 times 2; from 10,000 the p99.9 times 2")
    void percentileTimesTwo() {
        // 1,000 calls: p99 (rank 990) in the 1 ms bucket, whose top is 1,015,807 ns
        assertThat(Tuning.adaptiveTimeout(samples(990, MS, 10, 4 * MS), MS, 500 * MS)).isEqualTo(2 * 1_015_807);
        // 10,000 calls, 20 at 4 ms: p99.9 (rank 9,990) is in the 4 ms bucket, capped by the max seen (4 ms)
        assertThat(Tuning.adaptiveTimeout(samples(9_980, MS, 20, 4 * MS), MS, 500 * MS)).isEqualTo(8 * MS);
        // 9,999 calls: still the p99 (rank 9,900), in the 1 ms bucket
        assertThat(Tuning.adaptiveTimeout(samples(9_979, MS, 20, 4 * MS), MS, 500 * MS)).isEqualTo(2 * 1_015_807);
    }

    @Test
    @DisplayName("the adaptive timeout never leaves [min, max]")
    void bounded() {
        assertThat(Tuning.adaptiveTimeout(samples(1_000, 100_000, 0, 0), 5 * MS, 500 * MS)).isEqualTo(5 * MS);
        assertThat(Tuning.adaptiveTimeout(samples(1_000, 900 * MS, 0, 0), 5 * MS, 500 * MS)).isEqualTo(500 * MS);
    }

    @Test
    @DisplayName("the hedge delay is the percentile once 10 calls lie above it (200 for p95)")
    void hedgeDelay() {
        assertThat(LatencyHistogram.samplesFor(95)).isEqualTo(200);
        assertThat(LatencyHistogram.samplesFor(99)).isEqualTo(1_000);
        assertThat(LatencyHistogram.samplesFor(99.9)).isEqualTo(10_000);
        assertThat(Tuning.hedgeDelay(samples(199, MS, 0, 0), 95)).isEqualTo(-1);
        // 200 calls: rank 190 is the last fast one
        assertThat(Tuning.hedgeDelay(samples(190, MS, 10, 200 * MS), 95)).isEqualTo(1_015_807);
        assertThat(Tuning.hedgeDelay(samples(189, MS, 11, 200 * MS), 95)).isEqualTo(200 * MS);
    }

    @Test
    @DisplayName("refresh sets the timeout from the window and keeps the previous window after a swap")
    void refreshUsesWindow() {
        Tuning t = new Tuning(GuardPolicy.builder().adaptiveTimeout(Duration.ofMillis(1), Duration.ofMillis(500))
                .hedgeAfterPercentile(95).build());
        assertThat(t.timeoutNanos).isEqualTo(500 * MS);
        assertThat(t.hedgeNanos).isEqualTo(-1);
        for (int i = 0; i < 1_000; i++) {
            t.record(MS);
        }
        t.refresh();
        // every call took 1 ms: the percentiles are capped by that maximum
        assertThat(t.timeoutNanos).isEqualTo(2 * MS);
        assertThat(t.hedgeNanos).isEqualTo(MS);
        for (int i = 1; i < Tuning.REFRESHES_PER_WINDOW; i++) {
            t.refresh(); // the tenth swaps: the calls move to the previous window
        }
        t.refresh();
        assertThat(t.timeoutNanos).isEqualTo(2 * MS);
        for (int i = 0; i < Tuning.REFRESHES_PER_WINDOW; i++) {
            t.refresh(); // the second swap drops them: too few again, back to the maximum
        }
        assertThat(t.timeoutNanos).isEqualTo(500 * MS);
        assertThat(t.hedgeNanos).isEqualTo(-1);
    }
}
