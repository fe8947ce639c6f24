package dev.exstate.guard;

import java.time.Duration;

/**
 * Rejected without calling the backend because this replica already has the policy's maximum
 * number of calls in flight to it. This bounds the load one replica can put on a backend.
 */
public class BulkheadFullException extends StateUnavailableException {
    private static final long serialVersionUID = 1L;

    public BulkheadFullException(String backend, String operation, Duration elapsed, String message, Throwable cause) {
        super(backend, operation, elapsed, message, cause);
    }
}
