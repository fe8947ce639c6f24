package dev.exstate.internal.guard;

import dev.exstate.guard.BulkheadFullException;
import dev.exstate.guard.CircuitOpenException;
import dev.exstate.guard.GuardObserver;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import java.time.Duration;

/**
 * Why a guarded call failed, kept apart from the exception so that the typed exception can be
 * created where it is thrown (the caller's stack) and so that notes can be added on the way out.
 */
record Failure(Kind kind, String message, Throwable cause) {

    enum Kind {
        TIMEOUT, CIRCUIT_OPEN, BULKHEAD_FULL, UNAVAILABLE;

        /** How a call that ends with this failure is reported to observers. */
        GuardObserver.Outcome outcome() {
            return switch (this) {
                case TIMEOUT -> GuardObserver.Outcome.TIMEOUT;
                case CIRCUIT_OPEN -> GuardObserver.Outcome.CIRCUIT_OPEN;
                case BULKHEAD_FULL -> GuardObserver.Outcome.BULKHEAD_FULL;
                case UNAVAILABLE -> GuardObserver.Outcome.FAILURE;
            };
        }
    }

    Failure withNote(String note) {
        return new Failure(kind, message + "; " + note, cause);
    }

    StateUnavailableException toException(String backend, String operation, Duration elapsed) {
        return switch (kind) {
            case TIMEOUT -> new StateTimeoutException(backend, operation, elapsed, message, cause);
            case CIRCUIT_OPEN -> new CircuitOpenException(backend, operation, elapsed, message, cause);
            case BULKHEAD_FULL -> new BulkheadFullException(backend, operation, elapsed, message, cause);
            case UNAVAILABLE -> new StateUnavailableException(backend, operation, elapsed, message, cause);
        };
    }

    /** "java.net.ConnectException: Connection refused", one line, bounded length. */
    static String describe(Throwable t) {
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            return t.getClass().getName();
        }
        msg = msg.replaceAll("[\\r\\n\\t]+", " ").strip();
        if (msg.length() > 200) {
            msg = msg.substring(0, 200) + "...";
        }
        return t.getClass().getName() + ": " + msg;
    }
}
