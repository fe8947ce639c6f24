package dev.exstate.spring.boot;

import java.time.Duration;

/**
 * The fields of a {@code GuardPolicy}, as properties ({@code exstate.guard.redis.*},
 * {@code exstate.guard.etcd.*}, {@code exstate.guard.s3.*}). A field left unset keeps the backend's
 * default ({@code GuardPolicy.defaults()}; for S3 10 s per attempt and 30 s in all); setting any
 * field gives that backend's guard a policy of its own. Mutable JavaBean for Spring's binder.
 */
public class GuardPolicyProperties {
    /** Deadline of one attempt. Unset: 500 ms (S3: 10 s). */
    private Duration timeout;

    /** Deadline of the whole call, retries and backoff included; at least timeout. Unset: 2 s (S3: 30 s). */
    private Duration totalTimeout;

    /** Percentage of failed calls in the window that opens the breaker, (0, 100]. Unset: 50. */
    private Float failureRateThreshold;

    /** Number of recent calls the breaker judges. Unset: 20. */
    private Integer slidingWindowSize;

    /** Calls needed before the breaker may open at all. Unset: 10. */
    private Integer minimumNumberOfCalls;

    /** How long an open breaker fails fast before letting probe calls through. Unset: 5 s. */
    private Duration waitInOpenState;

    /** Probe calls allowed while the breaker is half-open. Unset: 3. */
    private Integer permittedCallsInHalfOpenState;

    /** Bulkhead: calls in flight to this backend from one replica (at most 1024). Unset: 64. */
    private Integer maxConcurrentCalls;

    /** How long a caller waits for a bulkhead slot before failing. Unset: 50 ms. */
    private Duration maxWaitForSlot;

    /** Extra attempts for idempotent operations; 0 turns retries off. Unset: 2. */
    private Integer maxRetries;

    /** First retry backoff; doubles per attempt, with full jitter. Unset: 50 ms. */
    private Duration retryBackoff;

    /** Oldest near-cache value that may be served when the backend fails. Unset: 30 s. */
    private Duration maxStaleness;

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Duration getTotalTimeout() {
        return totalTimeout;
    }

    public void setTotalTimeout(Duration totalTimeout) {
        this.totalTimeout = totalTimeout;
    }

    public Float getFailureRateThreshold() {
        return failureRateThreshold;
    }

    public void setFailureRateThreshold(Float failureRateThreshold) {
        this.failureRateThreshold = failureRateThreshold;
    }

    public Integer getSlidingWindowSize() {
        return slidingWindowSize;
    }

    public void setSlidingWindowSize(Integer slidingWindowSize) {
        this.slidingWindowSize = slidingWindowSize;
    }

    public Integer getMinimumNumberOfCalls() {
        return minimumNumberOfCalls;
    }

    public void setMinimumNumberOfCalls(Integer minimumNumberOfCalls) {
        this.minimumNumberOfCalls = minimumNumberOfCalls;
    }

    public Duration getWaitInOpenState() {
        return waitInOpenState;
    }

    public void setWaitInOpenState(Duration waitInOpenState) {
        this.waitInOpenState = waitInOpenState;
    }

    public Integer getPermittedCallsInHalfOpenState() {
        return permittedCallsInHalfOpenState;
    }

    public void setPermittedCallsInHalfOpenState(Integer permittedCallsInHalfOpenState) {
        this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
    }

    public Integer getMaxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    public void setMaxConcurrentCalls(Integer maxConcurrentCalls) {
        this.maxConcurrentCalls = maxConcurrentCalls;
    }

    public Duration getMaxWaitForSlot() {
        return maxWaitForSlot;
    }

    public void setMaxWaitForSlot(Duration maxWaitForSlot) {
        this.maxWaitForSlot = maxWaitForSlot;
    }

    public Integer getMaxRetries() {
        return maxRetries;
    }

    public void setMaxRetries(Integer maxRetries) {
        this.maxRetries = maxRetries;
    }

    public Duration getRetryBackoff() {
        return retryBackoff;
    }

    public void setRetryBackoff(Duration retryBackoff) {
        this.retryBackoff = retryBackoff;
    }

    public Duration getMaxStaleness() {
        return maxStaleness;
    }

    public void setMaxStaleness(Duration maxStaleness) {
        this.maxStaleness = maxStaleness;
    }
}
