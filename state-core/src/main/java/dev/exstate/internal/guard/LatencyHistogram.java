package dev.exstate.internal.guard;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of durations in log-linear buckets (16 per power of two, so a bucket is at most 1/16 =
 * 6.25% wide relative to its values; below 32 ns every value has its own bucket), from 0 to
 * {@link #MAX_NANOS} (longer values count as that). Fixed memory: {@link #BUCKETS} counters.
 * Recording is one atomic increment and, for a new maximum, a compare-and-set: no lock, safe
 * from any number of threads. A {@link #snapshot()} copies the counts; counts recorded during the
 * copy may be in it or not. Not API.
 */
public final class LatencyHistogram {
    static final int SUB_BITS = 4;
    static final int SUB = 1 << SUB_BITS;
    /** Longest duration told apart, about 39 hours; longer ones count as this. */
    public static final long MAX_NANOS = (1L << 47) - 1;
    static final int BUCKETS = index(MAX_NANOS) + 1;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong max = new AtomicLong();

    /** Counts one duration; a negative one counts as 0. */
    public void record(long nanos) {
        long v = Math.min(Math.max(0, nanos), MAX_NANOS);
        counts.incrementAndGet(index(v));
        long m = max.get();
        while (v > m && !max.compareAndSet(m, v)) {
            m = max.get();
        }
    }

    /** The counts so far. */
    public Snapshot snapshot() {
        long[] copy = new long[BUCKETS];
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            copy[i] = counts.get(i);
            n += copy[i];
        }
        return new Snapshot(copy, n, max.get());
    }

    /**
     * Values needed before {@code percentile} is trusted: enough that 10 of them lie above it
     * ({@code 10 / (1 - percentile / 100)}: 1,000 for the p99, 10,000 for the p99.9, 200 for the p95).
     */
    public static long samplesFor(double percentile) {
        return (long) Math.ceil(1000 / (100 - percentile) - 1e-6); // rounding: 99.9 must give 10,000
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - SUB_BITS;
        return shift * SUB + (int) (v >>> shift);
    }

    /** Smallest value counted in bucket {@code i}. */
    static long lowest(int i) {
        if (i < 2 * SUB) {
            return i;
        }
        int shift = i / SUB - 1;
        return (long) (i % SUB + SUB) << shift;
    }

    /** Largest value counted in bucket {@code i}. */
    static long highest(int i) {
        return i + 1 < BUCKETS ? lowest(i + 1) - 1 : MAX_NANOS;
    }

    /** Counts at one moment; immutable. */
    public static final class Snapshot {
        private static final Snapshot EMPTY = new Snapshot(new long[BUCKETS], 0, 0);
        private final long[] counts;
        private final long count;
        private final long max;

        private Snapshot(long[] counts, long count, long max) {
            this.counts = counts;
            this.count = count;
            this.max = max;
        }

        /** No values. */
        public static Snapshot empty() {
            return EMPTY;
        }

        /** Number of values. */
        public long count() {
            return count;
        }

        /** Largest value recorded (in any snapshot the counts came from); 0 if none. */
        public long max() {
            return max;
        }

        /**
         * The value at {@code percentile} (0 to 100): the highest value of the bucket that holds the
         * value of rank {@code ceil(percentile / 100 * count)} (at least 1), and never above
         * {@link #max()}. So the true value is at most this and at least 1/17 less (values under
         * 32 ns exactly). 0 if there are no values.
         */
        public long percentile(double percentile) {
            if (count == 0) {
                return 0;
            }
            // less a hair, so that 99.9% of 1,000 is rank 999 despite floating-point rounding
            long rank = Math.max(1, (long) Math.ceil(percentile * count / 100.0 - 1e-6));
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    return Math.min(highest(i), max);
                }
            }
            return max;
        }

        /** Number of values above {@code nanos} (by bucket: values in the bucket of {@code nanos} are not counted). */
        public long countAbove(long nanos) {
            long above = 0;
            for (int i = index(Math.min(Math.max(0, nanos), MAX_NANOS)) + 1; i < counts.length; i++) {
                above += counts[i];
            }
            return above;
        }

        /** These values and {@code other}'s together. */
        public Snapshot plus(Snapshot other) {
            long[] sum = new long[BUCKETS];
            for (int i = 0; i < BUCKETS; i++) {
                sum[i] = counts[i] + other.counts[i];
            }
            return new Snapshot(sum, count + other.count, Math.max(max, other.max));
        }
    }
}
