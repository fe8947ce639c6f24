package dev.exstate.guard;

import java.time.Duration;

/**
 * The backend did not answer within the policy's timeout. For a write the outcome is unknown:
 * it may have been applied. Idempotent operations were already retried by the {@link Guard}.
 */
public class StateTimeoutException extends StateUnavailableException {
    private static final long serialVersionUID = 1L;

    public StateTimeoutException(String backend, String operation, Duration elapsed, String message, Throwable cause) {
        super(backend, operation, elapsed, message, cause);
    }
}
