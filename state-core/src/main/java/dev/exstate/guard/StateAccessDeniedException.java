package dev.exstate.guard;

import java.util.Objects;

/**
 * A backend refused this replica's credentials or permissions: a wrong password or access key,
 * credentials sent to a server without authentication, no credentials where they are required,
 * or a user without rights on the keys it needs. Not an outage: retrying cannot help, so it is
 * never retried, a {@link Guard} passes it through without counting it against the breaker, and
 * start-up fails at once instead of waiting out its start-up timeout.
 *
 * <p>What to do: fix the configuration (password, access key, ACL user, role, bucket policy).
 * The message names the backend and the operation and says what to check; it never contains a
 * secret. Like other configuration errors the guard passes through, it is an
 * {@link IllegalStateException}.
 */
public class StateAccessDeniedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String backend;
    private final String operation;

    /**
     * @param message the whole message: what was refused and what to check (never a secret)
     * @param cause   the backend client's error, or {@code null}
     */
    public StateAccessDeniedException(String backend, String operation, String message, Throwable cause) {
        super(message, cause);
        this.backend = Objects.requireNonNull(backend, "backend");
        this.operation = Objects.requireNonNull(operation, "operation");
    }

    /** The backend name, e.g. {@code "redis"}, as in {@link StateException#backend()}. */
    public String backend() {
        return backend;
    }

    /** The operation that was refused, e.g. {@code "connect"}. */
    public String operation() {
        return operation;
    }
}
