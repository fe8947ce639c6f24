package dev.exstate.guard;

import java.time.Duration;

/**
 * The backend answered, but the data it holds for this operation is not what exstate wrote: a key
 * of the wrong type, metadata that is missing or not a number. The backend is healthy, so this is
 * never retried, never counted against the circuit breaker and never answered from a fallback;
 * other keys keep working. The stored data was not changed by the failed call.
 *
 * <p>What to do: treat it like a missing entry (for a session, invalidate it and start a new one)
 * and find out who else writes under the application's key prefix. The message names the problem,
 * never the stored bytes.
 */
public class StateDataException extends StateException {
    private static final long serialVersionUID = 1L;

    public StateDataException(String backend, String operation, Duration elapsed, String message, Throwable cause) {
        super(backend, operation, elapsed, message, cause);
    }
}
