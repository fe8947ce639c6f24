package dev.exstate.guard;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Guard} protects calls to one backend. Immutable; build with {@link #builder()}.
 * The defaults are meant for production use against a backend on the same network:
 *
 * <ul>
 *   <li>{@code timeout} 500 ms per attempt, {@code totalTimeout} 2 s for all attempts;</li>
 *   <li>breaker opens when 50% of the last 20 calls failed (at least 10 calls), stays open 5 s,
 *       then lets 3 probe calls through;</li>
 *   <li>at most 64 calls in flight to the backend from this replica (bulkhead), callers wait at
 *       most 50 ms for a slot;</li>
 *   <li>idempotent calls are retried at most 2 more times, backoff 50 ms doubling, with full
 *       jitter, and only while the total timeout allows;</li>
 *   <li>stale values from a near cache are served on error when at most 30 s stale.</li>
 * </ul>
 *
 * <p>Every setting is bounded: durations from their minimum to {@link #MAX_DURATION} (1 day),
 * call counts of the breaker up to {@link #MAX_CALLS}, in-flight calls up to
 * {@link #MAX_CONCURRENT_CALLS}, retries up to {@link #MAX_RETRIES}. A value out of range fails
 * with {@link IllegalArgumentException} naming it, never later when the guard is built.
 */
public record GuardPolicy(
        Duration timeout,
        Duration totalTimeout,
        float failureRateThreshold,
        int slidingWindowSize,
        int minimumNumberOfCalls,
        Duration waitInOpenState,
        int permittedCallsInHalfOpenState,
        int maxConcurrentCalls,
        Duration maxWaitForSlot,
        int maxRetries,
        Duration retryBackoff,
        Duration maxStaleness) {

    /** Longest accepted duration of any setting: a day (nanosecond deadlines must not overflow). */
    public static final Duration MAX_DURATION = Duration.ofDays(1);
    /** Most calls for {@code slidingWindowSize}, {@code minimumNumberOfCalls} and {@code permittedCallsInHalfOpenState}. */
    public static final int MAX_CALLS = 10_000;
    /** Most calls in flight per backend and replica ({@code maxConcurrentCalls}); each may hold a thread. */
    public static final int MAX_CONCURRENT_CALLS = 1024;
    /** Most extra attempts ({@code maxRetries}). */
    public static final int MAX_RETRIES = 100;

    public GuardPolicy {
        requireDuration(timeout, "timeout", false);
        requireDuration(totalTimeout, "totalTimeout", false);
        if (totalTimeout.compareTo(timeout) < 0) {
            throw new IllegalArgumentException("totalTimeout (" + totalTimeout + ") must be >= timeout (" + timeout + ")");
        }
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
            throw new IllegalArgumentException("failureRateThreshold must be in (0, 100], was " + failureRateThreshold);
        }
        requireBetween(slidingWindowSize, 1, MAX_CALLS, "slidingWindowSize");
        requireBetween(minimumNumberOfCalls, 1, MAX_CALLS, "minimumNumberOfCalls");
        requireDuration(waitInOpenState, "waitInOpenState", false);
        requireBetween(permittedCallsInHalfOpenState, 1, MAX_CALLS, "permittedCallsInHalfOpenState");
        requireBetween(maxConcurrentCalls, 1, MAX_CONCURRENT_CALLS, "maxConcurrentCalls");
        requireDuration(maxWaitForSlot, "maxWaitForSlot", true);
        requireBetween(maxRetries, 0, MAX_RETRIES, "maxRetries");
        requireDuration(retryBackoff, "retryBackoff", false);
        requireDuration(maxStaleness, "maxStaleness", true);
    }

    /** The production defaults described above. */
    public static GuardPolicy defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this policy's values. */
    public Builder toBuilder() {
        return new Builder()
                .timeout(timeout).totalTimeout(totalTimeout)
                .failureRateThreshold(failureRateThreshold).slidingWindowSize(slidingWindowSize)
                .minimumNumberOfCalls(minimumNumberOfCalls).waitInOpenState(waitInOpenState)
                .permittedCallsInHalfOpenState(permittedCallsInHalfOpenState)
                .maxConcurrentCalls(maxConcurrentCalls).maxWaitForSlot(maxWaitForSlot)
                .maxRetries(maxRetries).retryBackoff(retryBackoff).maxStaleness(maxStaleness);
    }

    private static void requireDuration(Duration d, String name, boolean zeroAllowed) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(name + " must be " + (zeroAllowed ? "zero or positive" : "positive")
                    + ", was " + d);
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(name + " must be at most " + MAX_DURATION + " (1 day), was " + d);
        }
    }

    private static void requireBetween(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
    }

    /** Builder for {@link GuardPolicy}; every setter validates in {@link #build()}. */
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

        private Builder() {
        }

        /** Deadline of one attempt. */
        public Builder timeout(Duration v) { this.timeout = v; return this; }
        /** Deadline of the whole call, retries and backoff included. */
        public Builder totalTimeout(Duration v) { this.totalTimeout = v; return this; }
        /** Percentage of failed calls in the window that opens the breaker. */
        public Builder failureRateThreshold(float v) { this.failureRateThreshold = v; return this; }
        /** Number of recent calls the breaker judges. */
        public Builder slidingWindowSize(int v) { this.slidingWindowSize = v; return this; }
        /** Calls needed before the breaker may open at all. */
        public Builder minimumNumberOfCalls(int v) { this.minimumNumberOfCalls = v; return this; }
        /** How long an open breaker fails fast before letting probes through. */
        public Builder waitInOpenState(Duration v) { this.waitInOpenState = v; return this; }
        /** Probe calls allowed while half-open. */
        public Builder permittedCallsInHalfOpenState(int v) { this.permittedCallsInHalfOpenState = v; return this; }
        /** Bulkhead: calls in flight to this backend from this replica. */
        public Builder maxConcurrentCalls(int v) { this.maxConcurrentCalls = v; return this; }
        /** How long a caller waits for a bulkhead slot before {@link BulkheadFullException}. */
        public Builder maxWaitForSlot(Duration v) { this.maxWaitForSlot = v; return this; }
        /** Extra attempts for idempotent operations; 0 disables retry. */
        public Builder maxRetries(int v) { this.maxRetries = v; return this; }
        /** First backoff; doubles per attempt, with full jitter. */
        public Builder retryBackoff(Duration v) { this.retryBackoff = v; return this; }
        /** Oldest near-cache value {@link Fallback#staleFrom} may serve when the backend fails. */
        public Builder maxStaleness(Duration v) { this.maxStaleness = v; return this; }

        public GuardPolicy build() {
            return new GuardPolicy(timeout, totalTimeout, failureRateThreshold, slidingWindowSize,
                    minimumNumberOfCalls, waitInOpenState, permittedCallsInHalfOpenState,
                    maxConcurrentCalls, maxWaitForSlot, maxRetries, retryBackoff, maxStaleness);
        }
    }
}
