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

    public GuardPolicy {
        requirePositive(timeout, "timeout");
        requirePositive(totalTimeout, "totalTimeout");
        if (totalTimeout.compareTo(timeout) < 0) {
            throw new IllegalArgumentException("totalTimeout (" + totalTimeout + ") must be >= timeout (" + timeout + ")");
        }
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
            throw new IllegalArgumentException("failureRateThreshold must be in (0, 100], was " + failureRateThreshold);
        }
        requireAtLeast(slidingWindowSize, 1, "slidingWindowSize");
        requireAtLeast(minimumNumberOfCalls, 1, "minimumNumberOfCalls");
        requirePositive(waitInOpenState, "waitInOpenState");
        requireAtLeast(permittedCallsInHalfOpenState, 1, "permittedCallsInHalfOpenState");
        requireAtLeast(maxConcurrentCalls, 1, "maxConcurrentCalls");
        Objects.requireNonNull(maxWaitForSlot, "maxWaitForSlot");
        if (maxWaitForSlot.isNegative()) {
            throw new IllegalArgumentException("maxWaitForSlot must not be negative");
        }
        requireAtLeast(maxRetries, 0, "maxRetries");
        requirePositive(retryBackoff, "retryBackoff");
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        if (maxStaleness.isNegative()) {
            throw new IllegalArgumentException("maxStaleness must not be negative");
        }
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

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    private static void requireAtLeast(int value, int min, String name) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
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
