package dev.exstate.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LatencyHistogram")
class LatencyHistogramTest {

    @Test
    @DisplayName("buckets are contiguous: each starts one after the previous ends, 16 per power of two")
    void bucketsAreContiguous() {
        for (int i = 1; i < LatencyHistogram.BUCKETS; i++) {
            assertThat(LatencyHistogram.lowest(i)).isEqualTo(LatencyHistogram.highest(i - 1) + 1);
            assertThat(LatencyHistogram.index(LatencyHistogram.lowest(i))).isEqualTo(i);
            assertThat(LatencyHistogram.index(LatencyHistogram.highest(i))).isEqualTo(i);
        }
        assertThat(LatencyHistogram.highest(LatencyHistogram.BUCKETS - 1)).isEqualTo(LatencyHistogram.MAX_NANOS);
        // 1 ms lies in [30 << 15, 31 << 15): a bucket is at most 1/16 of its lowest value wide
        assertThat(LatencyHistogram.lowest(LatencyHistogram.index(1_000_000))).isEqualTo(983_040);
        assertThat(LatencyHistogram.highest(LatencyHistogram.index(1_000_000))).isEqualTo(1_015_807);
        assertThat(LatencyHistogram.BUCKETS).isEqualTo(704);
    }

    @Test
    @DisplayName("a percentile is the highest value of the bucket holding its rank, never above the maximum")
    void percentiles() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 990; i++) {
            h.record(1_000_000); // 1 ms: bucket [983,040 .. 1,015,807]
        }
        for (int i = 0; i < 9; i++) {
            h.record(4_000_000); // bucket [3,932,160 .. 4,063,231]
        }
        h.record(200_000_000);
        LatencyHistogram.Snapshot s = h.snapshot();

        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.max()).isEqualTo(200_000_000);
        assertThat(s.percentile(50)).isEqualTo(1_015_807);
        assertThat(s.percentile(99)).isEqualTo(1_015_807);      // rank 990
        assertThat(s.percentile(99.1)).isEqualTo(4_063_231);    // rank 991
        assertThat(s.percentile(99.9)).isEqualTo(4_063_231);    // rank 999
        assertThat(s.percentile(100)).isEqualTo(200_000_000);   // the max, not its bucket's top
        assertThat(s.countAbove(1_000_000)).isEqualTo(10);
        assertThat(s.countAbove(4_000_000)).isEqualTo(1);
    }

    @Test
    @DisplayName("small values are exact, negative ones count as 0, huge ones as the maximum")
    void edges() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(-5);
        h.record(7);
        h.record(Long.MAX_VALUE);
        LatencyHistogram.Snapshot s = h.snapshot();
        assertThat(s.percentile(1)).isZero();
        assertThat(s.percentile(50)).isEqualTo(7);
        assertThat(s.percentile(100)).isEqualTo(LatencyHistogram.MAX_NANOS);
        assertThat(LatencyHistogram.Snapshot.empty().percentile(99)).isZero();
    }

    @Test
    @DisplayName("two snapshots add up")
    void plus() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        a.record(10);
        b.record(20);
        b.record(30);
        LatencyHistogram.Snapshot s = a.snapshot().plus(b.snapshot());
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.max()).isEqualTo(30);
        assertThat(s.percentile(50)).isEqualTo(20);
    }

    @Test
    @DisplayName("values recorded from many threads at once are all counted")
    void concurrentRecording() throws Exception {
        LatencyHistogram h = new LatencyHistogram();
        int threads = 8;
        int each = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            for (int t = 0; t < threads; t++) {
                long value = (t + 1) * 1_000_000L;
                pool.execute(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < each; i++) {
                        h.record(value);
                    }
                });
            }
            go.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(h.snapshot().count()).isEqualTo((long) threads * each);
        assertThat(h.snapshot().max()).isEqualTo(threads * 1_000_000L);
    }
}
