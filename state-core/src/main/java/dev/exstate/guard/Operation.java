package dev.exstate.guard;

import java.util.Objects;

/**
 * A named remote operation and whether repeating it is safe. Only idempotent operations are
 * retried by the {@link Guard}: a retried non-idempotent write could be applied twice.
 *
 * @param name       short name used in errors and metrics, e.g. {@code "session.find"}
 * @param idempotent true if applying the operation twice has the same effect as once
 */
public record Operation(String name, boolean idempotent) {

    public Operation {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("operation name must not be blank");
        }
    }

    /** An operation that may be retried (reads, overwrites, deletes, compare-and-set by token). */
    public static Operation idempotent(String name) {
        return new Operation(name, true);
    }

    /** An operation that must not be retried (increments, appends, create-and-return-new-id). */
    public static Operation nonIdempotent(String name) {
        return new Operation(name, false);
    }
}
