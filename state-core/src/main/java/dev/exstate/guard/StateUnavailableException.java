package dev.exstate.guard;

import java.time.Duration;

/**
 * The backend could not serve the operation: it is down, refused the connection, its circuit
 * breaker is open, or this replica's bulkhead is full. The operation may or may not have been
 * applied if it was a write that timed out; see {@link StateTimeoutException}.
 *
 * <p>What to do: serve a degraded answer, or fail the request with 503 so the load balancer
 * retries elsewhere. Do not retry in a tight loop: the {@link Guard} already retried idempotent
 * operations within its budget.
 */
public class StateUnavailableException extends StateException {
    private static final long serialVersionUID = 1L;

    public StateUnavailableException(String backend, String operation, Duration elapsed, String message, Throwable cause) {
        super(backend, operation, elapsed, message, cause);
    }
}
