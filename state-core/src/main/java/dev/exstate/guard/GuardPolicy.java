package dev.exstate.guard;

import dev.exstate.internal.Check;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Guard} protects calls to one backend. Immutable and thread-safe; build with
 * {@link #builder()}, or change a copy with {@link #toBuilder()}. Two policies with the same
 * settings are {@linkplain #equals equal}. The defaults are meant for production use against a
 * backend on the same network:
 *
 * <ul>
 *   <li>{@code timeout} 500 ms per attempt, {@code totalTimeout} 2 s for all attempts;</li>
 *   <li>breaker opens when 50% of the last 20 calls failed (at least 10 calls), stays open 5 s,
 *       then lets 3 probe calls through;</li>
 *   <li>at most 64 calls in flight to the backend from this replica (bulkhead), callers wait at
 *       most 50 ms for a slot;</li>
 *   <li>idempotent calls are retried at most 2 more times, backoff 50 ms doubling, with full
 *       jitter, and only while the total timeout allows;</li>
 *   <li>stale values from a near cache are served on error when at most 30 s stale;</li>
 *   <li>the per-attempt timeout is fixed (no {@code adaptiveTimeout}) and reads are not hedged.</li>
 * </ul>
 *
 * <p>Two options follow measurement (see {@link GuardAdvisor} for advice from the same figures):
 * {@link Builder#adaptiveTimeout adaptiveTimeout(min, max)} lets each operation's per-attempt
 * timeout follow its own measured latency, never outside [min, max]; {@link Builder#hedgeAfter}
 * and {@link Builder#hedgeAfterPercentile} send a second attempt of a slow read.
 *
 * <p>Every setting is bounded: durations from their minimum to {@link #MAX_DURATION} (1 day),
 * call counts of the breaker up to {@link #MAX_CALLS}, in-flight calls up to
 * {@link #MAX_CONCURRENT_CALLS}, retries up to {@link #MAX_RETRIES}. Each builder setter checks
 * its value at once and fails with {@link IllegalArgumentException} (or
 * {@link NullPointerException} for {@code null}) naming the setting, the value and the allowed
 * range; {@link Builder#build()} checks only that {@code totalTimeout >= timeout}. A setting may
 * be set again; the last value wins.
 */
public final class GuardPolicy {

    /** Longest accepted duration of any setting: a day (nanosecond deadlines must not overflow). */
    public static final Duration MAX_DURATION = Duration.ofDays(1);
    /** Most calls for {@code slidingWindowSize}, {@code minimumNumberOfCalls} and {@code permittedCallsInHalfOpenState}. */
    public static final int MAX_CALLS = 10_000;
    /** Most calls in flight per backend and replica ({@code maxConcurrentCalls}); each may hold a thread. */
    public static final int MAX_CONCURRENT_CALLS = 1024;
    /** Most extra attempts ({@code maxRetries}). */
    public static final int MAX_RETRIES = 100;

    private final Duration timeout;
    private final Duration totalTimeout;
    private final float failureRateThreshold;
    private final int slidingWindowSize;
    private final int minimumNumberOfCalls;
    private final Duration waitInOpenState;
    private final int permittedCallsInHalfOpenState;
    private final int maxConcurrentCalls;
    private final Duration maxWaitForSlot;
    private final int maxRetries;
    private final Duration retryBackoff;
    private final Duration maxStaleness;
    private final Duration adaptiveMin;
    private final Duration adaptiveMax;
    private final Duration hedgeDelay;
    private final double hedgePercentile;
    private final double hedgeBudget;

    private GuardPolicy(Builder b) {
        this.timeout = b.timeout;
        this.totalTimeout = b.totalTimeout;
        this.failureRateThreshold = b.failureRateThreshold;
        this.slidingWindowSize = b.slidingWindowSize;
        this.minimumNumberOfCalls = b.minimumNumberOfCalls;
        this.waitInOpenState = b.waitInOpenState;
        this.permittedCallsInHalfOpenState = b.permittedCallsInHalfOpenState;
        this.maxConcurrentCalls = b.maxConcurrentCalls;
        this.maxWaitForSlot = b.maxWaitForSlot;
        this.maxRetries = b.maxRetries;
        this.retryBackoff = b.retryBackoff;
        this.maxStaleness = b.maxStaleness;
        this.adaptiveMin = b.adaptiveMin;
        this.adaptiveMax = b.adaptiveMax;
        this.hedgeDelay = b.hedgeDelay;
        this.hedgePercentile = b.hedgePercentile;
        this.hedgeBudget = b.hedgeBudget;
    }

    /** The production defaults described above. */
    public static GuardPolicy defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this policy's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.timeout = timeout;
        b.totalTimeout = totalTimeout;
        b.failureRateThreshold = failureRateThreshold;
        b.slidingWindowSize = slidingWindowSize;
        b.minimumNumberOfCalls = minimumNumberOfCalls;
        b.waitInOpenState = waitInOpenState;
        b.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
        b.maxConcurrentCalls = maxConcurrentCalls;
        b.maxWaitForSlot = maxWaitForSlot;
        b.maxRetries = maxRetries;
        b.retryBackoff = retryBackoff;
        b.maxStaleness = maxStaleness;
        b.adaptiveMin = adaptiveMin;
        b.adaptiveMax = adaptiveMax;
        b.hedgeDelay = hedgeDelay;
        b.hedgePercentile = hedgePercentile;
        b.hedgeBudget = hedgeBudget;
        return b;
    }

    /** Deadline of one attempt (default 500 ms). */
    public Duration timeout() {
        return timeout;
    }

    /** Deadline of the whole call, retries and backoff included; at least {@link #timeout()} (default 2 s). */
    public Duration totalTimeout() {
        return totalTimeout;
    }

    /** Percentage of failed calls in the window that opens the breaker, in (0, 100] (default 50). */
    public float failureRateThreshold() {
        return failureRateThreshold;
    }

    /** Number of recent calls the breaker judges (default 20). */
    public int slidingWindowSize() {
        return slidingWindowSize;
    }

    /** Calls needed before the breaker may open at all (default 10). */
    public int minimumNumberOfCalls() {
        return minimumNumberOfCalls;
    }

    /** How long an open breaker fails fast before letting probes through (default 5 s). */
    public Duration waitInOpenState() {
        return waitInOpenState;
    }

    /** Probe calls allowed while half-open (default 3). */
    public int permittedCallsInHalfOpenState() {
        return permittedCallsInHalfOpenState;
    }

    /** Bulkhead: calls in flight to this backend from this replica (default 64). */
    public int maxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    /** How long a caller waits for a bulkhead slot before {@link BulkheadFullException} (default 50 ms). */
    public Duration maxWaitForSlot() {
        return maxWaitForSlot;
    }

    /** Extra attempts for idempotent operations; 0 disables retry (default 2). */
    public int maxRetries() {
        return maxRetries;
    }

    /** First backoff between attempts; doubles per attempt, with full jitter (default 50 ms). */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /** Oldest near-cache value {@link Fallback#staleFrom} may serve when the backend fails (default 30 s). */
    public Duration maxStaleness() {
        return maxStaleness;
    }

    /** Whether each operation's per-attempt timeout follows its measured latency (see {@link Builder#adaptiveTimeout}). */
    public boolean adaptiveTimeout() {
        return adaptiveMax != null;
    }

    /** Lowest adaptive per-attempt timeout; {@link Duration#ZERO} when the timeout is not adaptive. */
    public Duration adaptiveTimeoutMin() {
        return adaptiveMin != null ? adaptiveMin : Duration.ZERO;
    }

    /** Highest adaptive per-attempt timeout; {@link Duration#ZERO} when the timeout is not adaptive. */
    public Duration adaptiveTimeoutMax() {
        return adaptiveMax != null ? adaptiveMax : Duration.ZERO;
    }

    /** Fixed delay after which a read is hedged; {@link Duration#ZERO} if not (default). */
    public Duration hedgeDelay() {
        return hedgeDelay;
    }

    /** Percentile of a read's measured latency after which it is hedged; 0 if not (default). */
    public double hedgePercentile() {
        return hedgePercentile;
    }

    /** Whether reads are hedged, after a fixed delay or a measured percentile. */
    public boolean hedging() {
        return !hedgeDelay.isZero() || hedgePercentile > 0;
    }

    /** Most hedges as a fraction of calls (default 0.1: at most 10% extra load). */
    public double hedgeBudget() {
        return hedgeBudget;
    }

    /** Equal if every setting is equal. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof GuardPolicy p)) {
            return false;
        }
        return timeout.equals(p.timeout) && totalTimeout.equals(p.totalTimeout)
                && Float.compare(failureRateThreshold, p.failureRateThreshold) == 0
                && slidingWindowSize == p.slidingWindowSize && minimumNumberOfCalls == p.minimumNumberOfCalls
                && waitInOpenState.equals(p.waitInOpenState)
                && permittedCallsInHalfOpenState == p.permittedCallsInHalfOpenState
                && maxConcurrentCalls == p.maxConcurrentCalls && maxWaitForSlot.equals(p.maxWaitForSlot)
                && maxRetries == p.maxRetries && retryBackoff.equals(p.retryBackoff) && maxStaleness.equals(p.maxStaleness)
                && Objects.equals(adaptiveMin, p.adaptiveMin) && Objects.equals(adaptiveMax, p.adaptiveMax)
                && hedgeDelay.equals(p.hedgeDelay) && Double.compare(hedgePercentile, p.hedgePercentile) == 0
                && Double.compare(hedgeBudget, p.hedgeBudget) == 0;
    }

    /** A hash of every setting. */
    @Override
    public int hashCode() {
        return Objects.hash(timeout, totalTimeout, failureRateThreshold, slidingWindowSize, minimumNumberOfCalls,
                waitInOpenState, permittedCallsInHalfOpenState, maxConcurrentCalls, maxWaitForSlot, maxRetries,
                retryBackoff, maxStaleness, adaptiveMin, adaptiveMax, hedgeDelay, hedgePercentile, hedgeBudget);
    }

    /** Every setting, as {@code GuardPolicy[timeout=PT0.5S, ...]}. */
    @Override
    public String toString() {
        return "GuardPolicy[timeout=" + timeout + ", totalTimeout=" + totalTimeout
                + ", failureRateThreshold=" + failureRateThreshold + ", slidingWindowSize=" + slidingWindowSize
                + ", minimumNumberOfCalls=" + minimumNumberOfCalls + ", waitInOpenState=" + waitInOpenState
                + ", permittedCallsInHalfOpenState=" + permittedCallsInHalfOpenState
                + ", maxConcurrentCalls=" + maxConcurrentCalls + ", maxWaitForSlot=" + maxWaitForSlot
                + ", maxRetries=" + maxRetries + ", retryBackoff=" + retryBackoff + ", maxStaleness=" + maxStaleness
                + (adaptiveMax != null ? ", adaptiveTimeout=[" + adaptiveMin + ", " + adaptiveMax + "]" : "")
                + (!hedgeDelay.isZero() ? ", hedgeDelay=" + hedgeDelay : "")
                + (hedgePercentile > 0 ? ", hedgePercentile=" + hedgePercentile : "")
                + (hedging() ? ", hedgeBudget=" + hedgeBudget : "") + "]";
    }

    private static Duration requireDuration(Duration d, String name, boolean zeroAllowed) {
        return Check.between(d, zeroAllowed ? Duration.ZERO : Duration.ofNanos(1), MAX_DURATION, name,
                () -> name + " must be " + (zeroAllowed ? "between 0 and " : "positive and at most ")
                        + MAX_DURATION + " (1 day), was " + d);
    }

    /**
     * Builder for {@link GuardPolicy}. Each setter checks its value at once (see the class
     * comment); setting a value again replaces it. Not thread-safe.
     */
    public static final class Builder {
        private Duration timeout = Duration.ofMillis(500);
        private Duration totalTimeout = Duration.ofSeconds(2);
        private float failureRateThreshold = 50f;
        private int slidingWindowSize = 20;
        private int minimumNumberOfCalls = 10;
        private Duration waitInOpenState = Duration.ofSeconds(5);
        private int permittedCallsInHalfOpenState = 3;
        private int maxConcurrentCalls = 64;
        private Duration maxWaitForSlot = Duration.ofMillis(50);
        private int maxRetries = 2;
        private Duration retryBackoff = Duration.ofMillis(50);
        private Duration maxStaleness = Duration.ofSeconds(30);
        private Duration adaptiveMin;
        private Duration adaptiveMax;
        private Duration hedgeDelay = Duration.ZERO;
        private double hedgePercentile;
        private double hedgeBudget = 0.1;

        private Builder() {
        }

        /** Deadline of one attempt: positive, at most {@link #MAX_DURATION}. */
        public Builder timeout(Duration v) {
            this.timeout = requireDuration(v, "timeout", false);
            return this;
        }

        /** Deadline of the whole call, retries and backoff included: positive, at most {@link #MAX_DURATION}. */
        public Builder totalTimeout(Duration v) {
            this.totalTimeout = requireDuration(v, "totalTimeout", false);
            return this;
        }

        /** Percentage of failed calls in the window that opens the breaker: above 0, at most 100. */
        public Builder failureRateThreshold(float v) {
            this.failureRateThreshold = Check.valid(v, v > 0 && v <= 100, () -> "failureRateThreshold must be in (0, 100], was " + v);
            return this;
        }

        /** Number of recent calls the breaker judges: 1 to {@link #MAX_CALLS}. */
        public Builder slidingWindowSize(int v) {
            this.slidingWindowSize = Check.between(v, 1, MAX_CALLS, "slidingWindowSize");
            return this;
        }

        /** Calls needed before the breaker may open at all: 1 to {@link #MAX_CALLS}. */
        public Builder minimumNumberOfCalls(int v) {
            this.minimumNumberOfCalls = Check.between(v, 1, MAX_CALLS, "minimumNumberOfCalls");
            return this;
        }

        /** How long an open breaker fails fast before letting probes through: positive, at most {@link #MAX_DURATION}. */
        public Builder waitInOpenState(Duration v) {
            this.waitInOpenState = requireDuration(v, "waitInOpenState", false);
            return this;
        }

        /** Probe calls allowed while half-open: 1 to {@link #MAX_CALLS}. */
        public Builder permittedCallsInHalfOpenState(int v) {
            this.permittedCallsInHalfOpenState = Check.between(v, 1, MAX_CALLS, "permittedCallsInHalfOpenState");
            return this;
        }

        /** Bulkhead: calls in flight to this backend from this replica, 1 to {@link #MAX_CONCURRENT_CALLS}. */
        public Builder maxConcurrentCalls(int v) {
            this.maxConcurrentCalls = Check.between(v, 1, MAX_CONCURRENT_CALLS, "maxConcurrentCalls");
            return this;
        }

        /** How long a caller waits for a bulkhead slot before {@link BulkheadFullException}: 0 to {@link #MAX_DURATION}. */
        public Builder maxWaitForSlot(Duration v) {
            this.maxWaitForSlot = requireDuration(v, "maxWaitForSlot", true);
            return this;
        }

        /** Extra attempts for idempotent operations, 0 (no retry) to {@link #MAX_RETRIES}. */
        public Builder maxRetries(int v) {
            this.maxRetries = Check.between(v, 0, MAX_RETRIES, "maxRetries");
            return this;
        }

        /** First backoff, doubling per attempt, with full jitter: positive, at most {@link #MAX_DURATION}. */
        public Builder retryBackoff(Duration v) {
            this.retryBackoff = requireDuration(v, "retryBackoff", false);
            return this;
        }

        /** Oldest near-cache value {@link Fallback#staleFrom} may serve when the backend fails: 0 to {@link #MAX_DURATION}. */
        public Builder maxStaleness(Duration v) {
            this.maxStaleness = requireDuration(v, "maxStaleness", true);
            return this;
        }

        /**
         * Lets each operation's per-attempt timeout follow its own measured latency: about every
         * second, off the callers' threads, it becomes the operation's p99.9 (p99 while fewer than
         * 10,000 calls were measured in the last 10 to 20 s) times 2, bounded to [{@code min},
         * {@code max}]. Until 1,000 calls of an operation were measured its timeout is {@code max};
         * it is never above {@code max}, and {@code timeout} is then not used. The measured calls
         * are those that succeeded or timed out at the first attempt. {@code min} positive, at most
         * {@code max}; {@code max} at most {@code totalTimeout} (checked by {@link #build()}).
         */
        public Builder adaptiveTimeout(Duration min, Duration max) {
            Duration lo = requireDuration(min, "adaptiveTimeout min", false);
            Duration hi = requireDuration(max, "adaptiveTimeout max", false);
            Check.valid(lo, lo.compareTo(hi) <= 0, () -> "adaptiveTimeout min (" + lo + ") must be <= max (" + hi + ")");
            this.adaptiveMin = lo;
            this.adaptiveMax = hi;
            return this;
        }

        /** Turns {@link #adaptiveTimeout} off again: the fixed {@code timeout} applies. */
        public Builder fixedTimeout() {
            this.adaptiveMin = null;
            this.adaptiveMax = null;
            return this;
        }

        /**
         * Hedges reads ({@link Operation#read}) made with {@link Guard#await}: if an attempt has not
         * answered after {@code delay}, a second one is sent (over the next connection, for a
         * provider that has several) and the first success answers, the other is cancelled. At most
         * one hedge per attempt, and hedges stay within {@link #hedgeBudget}. {@link Duration#ZERO}
         * turns hedging off; otherwise positive and at most {@link #MAX_DURATION}.
         */
        public Builder hedgeAfter(Duration delay) {
            this.hedgeDelay = requireDuration(delay, "hedgeAfter", true);
            return this;
        }

        /**
         * As {@link #hedgeAfter}, after the {@code percentile} of the read's own latency measured
         * over the last 10 to 20 s (refreshed about every second), once at least
         * {@code 10 / (1 - percentile / 100)} calls were measured (200 for p95); not hedged before.
         * 0 turns it off; otherwise 50 to 99.9. Not together with {@link #hedgeAfter}.
         */
        public Builder hedgeAfterPercentile(double percentile) {
            this.hedgePercentile = Check.valid(percentile, percentile == 0 || (percentile >= 50 && percentile <= 99.9),
                    () -> "hedgeAfterPercentile must be 0 (off) or between 50 and 99.9, was " + percentile);
            return this;
        }

        /**
         * Most hedges, as a fraction of calls: above 0, at most 1 (default 0.1, so hedging adds
         * at most 10% load, plus a burst of 10 after a quiet period).
         */
        public Builder hedgeBudget(double fraction) {
            this.hedgeBudget = Check.valid(fraction, fraction > 0 && fraction <= 1,
                    () -> "hedgeBudget must be above 0 and at most 1, was " + fraction);
            return this;
        }

        /**
         * The policy.
         *
         * @throws IllegalArgumentException if {@code totalTimeout} is shorter than {@code timeout} or
         *     than the adaptive timeout's max, or if both {@code hedgeAfter} and
         *     {@code hedgeAfterPercentile} are set
         */
        public GuardPolicy build() {
            if (totalTimeout.compareTo(timeout) < 0) {
                throw new IllegalArgumentException("totalTimeout (" + totalTimeout + ") must be >= timeout (" + timeout + ")");
            }
            if (adaptiveMax != null && totalTimeout.compareTo(adaptiveMax) < 0) {
                throw new IllegalArgumentException("totalTimeout (" + totalTimeout + ") must be >= adaptiveTimeout max ("
                        + adaptiveMax + ")");
            }
            if (!hedgeDelay.isZero() && hedgePercentile > 0) {
                throw new IllegalArgumentException("hedgeAfter (" + hedgeDelay + ") and hedgeAfterPercentile ("
                        + hedgePercentile + ") are both set: choose one");
            }
            return new GuardPolicy(this);
        }
    }
}
