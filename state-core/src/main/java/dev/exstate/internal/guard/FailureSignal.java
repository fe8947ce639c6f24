package dev.exstate.internal.guard;

import dev.exstate.guard.StateUnavailableException;
import java.time.Duration;

/**
 * Carries a {@link Failure} through a CompletableFuture so that {@code await} can build the typed
 * exception on the waiting thread, where the caller's stack is. Never escapes the guard.
 */
final class FailureSignal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Failure failure;
    private final String backend;
    private final String operation;
    private final Duration elapsed;

    FailureSignal(Failure failure, String backend, String operation, Duration elapsed) {
        super(failure.message(), null, false, false);
        this.failure = failure;
        this.backend = backend;
        this.operation = operation;
        this.elapsed = elapsed;
    }

    StateUnavailableException toException() {
        return failure.toException(backend, operation, elapsed);
    }
}
