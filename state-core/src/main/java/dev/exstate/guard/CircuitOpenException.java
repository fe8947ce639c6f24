package dev.exstate.guard;

import java.time.Duration;

/**
 * Failed fast without calling the backend, because its circuit breaker is open after recent
 * failures. The breaker lets a probe call through after the policy's wait time.
 */
public class CircuitOpenException extends StateUnavailableException {
    private static final long serialVersionUID = 1L;

    public CircuitOpenException(String backend, String operation, Duration elapsed, String message, Throwable cause) {
        super(backend, operation, elapsed, message, cause);
    }
}
