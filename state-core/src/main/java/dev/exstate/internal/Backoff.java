package dev.exstate.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: the one way exstate computes the pause before a retry. For
 * attempt {@code n} (1 for the pause after the first failure) the ceiling is
 * {@code initial * multiplier^(n-1)}, capped at {@code max}; the pause is uniform in
 * {@code [ceiling * (1 - jitter), ceiling]}, both ends included. A jitter of 1 is "full jitter"
 * (from zero: contending callers spread out most), 0.5 keeps at least half of the ceiling (a
 * lone retrier does not hammer), 0 is no randomness. Immutable and thread-safe. Not API, may
 * change without notice.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final long initialNanos;
    private final long maxNanos;
    private final double multiplier;
    private final double jitter;

    /**
     * @param initial    ceiling of the first pause; zero or positive
     * @param max        largest ceiling; at least {@code initial}
     * @param multiplier growth of the ceiling per attempt; at least 1 and finite
     * @param jitter     share of the ceiling that is random, from 0 to 1
     * @throws IllegalArgumentException naming the bad value
     */
    public Backoff(Duration initial, Duration max, double multiplier, double jitter) {
        this.initialNanos = nanos(Objects.requireNonNull(initial, "initial"), "initial");
        this.maxNanos = nanos(Objects.requireNonNull(max, "max"), "max");
        if (initial.isNegative()) {
            throw new IllegalArgumentException("backoff initial must be zero or positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff max (" + max + ") must be at least initial (" + initial + ")");
        }
        if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("backoff multiplier must be finite and at least 1, was " + multiplier);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("backoff jitter must be between 0 and 1, was " + jitter);
        }
        this.initial = initial;
        this.max = max;
        this.multiplier = multiplier;
        this.jitter = jitter;
    }

    private static long nanos(Duration d, String name) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("backoff " + name + " of " + d + " is too long", e);
        }
    }

    /**
     * The pause before retry number {@code attempt} (1 after the first failure).
     *
     * @throws IllegalArgumentException if {@code attempt} is less than 1
     */
    public Duration delay(int attempt) {
        return delay(attempt, ThreadLocalRandom.current());
    }

    /** As {@link #delay(int)}, drawing the jitter from {@code random} (tests pass their own). */
    public Duration delay(int attempt, RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        long high = ceilingNanos(attempt);
        long low = Math.max(0, high - (long) (high * jitter));
        if (low >= high) {
            return Duration.ofNanos(high);
        }
        // high + 1 includes the ceiling; at Long.MAX_VALUE it is left out rather than overflow
        return Duration.ofNanos(random.nextLong(low, high == Long.MAX_VALUE ? high : high + 1));
    }

    private long ceilingNanos(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("backoff attempt must be at least 1, was " + attempt);
        }
        if (initialNanos == 0) {
            return 0;
        }
        // a double holds initial * 2^k exactly; past max (or infinity) the cap applies
        double ceiling = initialNanos * Math.pow(multiplier, attempt - 1);
        return ceiling >= maxNanos ? maxNanos : (long) ceiling;
    }

    @Override
    public String toString() {
        return "Backoff[initial=" + initial + ", max=" + max + ", multiplier=" + multiplier + ", jitter=" + jitter + "]";
    }
}
