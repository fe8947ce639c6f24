package dev.exstate.guard;

import java.time.Duration;
import java.util.Objects;

/**
 * A remote state operation failed. Every subclass says which backend ({@code "redis"},
 * {@code "etcd"}, ...), which operation ({@code "session.find"}) and how long the caller waited,
 * so the message alone tells an operator where to look. Messages never contain secrets or
 * stored values.
 */
public abstract class StateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String backend;
    private final String operation;
    private final Duration elapsed;

    protected StateException(String backend, String operation, Duration elapsed, String message, Throwable cause) {
        super(format(backend, operation, elapsed, message), cause);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
    }

    private static String format(String backend, String operation, Duration elapsed, String message) {
        return backend + " " + operation + " failed after " + elapsed.toMillis() + " ms: " + message;
    }

    /** The backend name given to the {@link Guard}, e.g. {@code "redis"}. */
    public String backend() {
        return backend;
    }

    /** The operation name, e.g. {@code "session.save"}. */
    public String operation() {
        return operation;
    }

    /**
     * How long the caller waited before this was thrown, retries included; for a step of an
     * operation bounded by a {@link Guard.Deadline}, the time since the deadline was created.
     */
    public Duration elapsed() {
        return elapsed;
    }
}
