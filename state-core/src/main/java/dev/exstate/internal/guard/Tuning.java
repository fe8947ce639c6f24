package dev.exstate.internal.guard;

import dev.exstate.guard.GuardPolicy;

/**
 * What one operation of one guard measured recently, and the per-attempt timeout and hedge delay
 * that follow from it (see {@link GuardPolicy.Builder#adaptiveTimeout} and
 * {@link GuardPolicy.Builder#hedgeAfterPercentile}). Callers record durations and read the two
 * values; only {@link #refresh()} computes them, on the guard's timer thread about once per
 * {@link #REFRESH_NANOS}. The window: the current histogram and the one before, swapped every
 * {@link #REFRESHES_PER_WINDOW} refreshes, so what is judged is 10 to 20 s old at most. Not API.
 */
final class Tuning {
    static final long REFRESH_NANOS = 1_000_000_000L;
    static final int REFRESHES_PER_WINDOW = 10;
    /** Calls measured before the adaptive timeout leaves its maximum: 10 above the p99. */
    static final long MIN_ADAPTIVE_SAMPLES = LatencyHistogram.samplesFor(99);
    /** Calls measured before the p99.9 (not the p99) sets the adaptive timeout: 10 above it. */
    static final long P999_SAMPLES = LatencyHistogram.samplesFor(99.9);
    static final double ADAPTIVE_MARGIN = 2.0;

    private final long minNanos;
    private final long maxNanos;
    private final boolean adaptive;
    private final double hedgePercentile;

    private volatile LatencyHistogram current = new LatencyHistogram();
    private volatile LatencyHistogram.Snapshot previous = LatencyHistogram.Snapshot.empty();
    private int refreshes;

    volatile long timeoutNanos;
    /** Hedge delay, or -1 while too few calls were measured. */
    volatile long hedgeNanos = -1;

    Tuning(GuardPolicy policy) {
        this.adaptive = policy.adaptiveTimeout();
        this.minNanos = adaptive ? policy.adaptiveTimeoutMin().toNanos() : policy.timeout().toNanos();
        this.maxNanos = adaptive ? policy.adaptiveTimeoutMax().toNanos() : policy.timeout().toNanos();
        this.hedgePercentile = policy.hedgePercentile();
        this.timeoutNanos = maxNanos;
    }

    void record(long nanos) {
        current.record(nanos);
    }

    /** Recomputes both values from the window; on one thread at a time (the timer's). */
    void refresh() {
        LatencyHistogram.Snapshot window = current.snapshot().plus(previous);
        if (adaptive) {
            timeoutNanos = adaptiveTimeout(window, minNanos, maxNanos);
        }
        if (hedgePercentile > 0) {
            hedgeNanos = hedgeDelay(window, hedgePercentile);
        }
        if (++refreshes % REFRESHES_PER_WINDOW == 0) {
            previous = current.snapshot();
            current = new LatencyHistogram(); // a call recording into the old one meanwhile is lost: harmless
        }
    }

    /**
     * The adaptive per-attempt timeout for {@code measured}: {@code max} while fewer than
     * {@link #MIN_ADAPTIVE_SAMPLES}; else the p99 (p99.9 from {@link #P999_SAMPLES}) times
     * {@link #ADAPTIVE_MARGIN}, within [{@code min}, {@code max}].
     */
    static long adaptiveTimeout(LatencyHistogram.Snapshot measured, long min, long max) {
        if (measured.count() < MIN_ADAPTIVE_SAMPLES) {
            return max;
        }
        double q = measured.count() >= P999_SAMPLES ? 99.9 : 99;
        long t = (long) Math.ceil(measured.percentile(q) * ADAPTIVE_MARGIN);
        return Math.max(min, Math.min(max, t));
    }

    /**
     * The hedge delay for {@code measured}: its {@code percentile}, once at least
     * {@code 10 / (1 - percentile / 100)} values lie in it (10 above the percentile); else -1.
     */
    static long hedgeDelay(LatencyHistogram.Snapshot measured, double percentile) {
        return measured.count() >= LatencyHistogram.samplesFor(percentile)
                ? Math.max(1, measured.percentile(percentile)) : -1;
    }
}
