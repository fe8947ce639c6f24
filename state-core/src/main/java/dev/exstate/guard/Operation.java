package dev.exstate.guard;

import java.util.Objects;

/**
 * A named remote operation and whether repeating it is safe. Only idempotent operations are
 * retried by the {@link Guard}: a retried non-idempotent write could be applied twice. Only reads
 * are hedged (a second attempt sent while the first is still out, see
 * {@link GuardPolicy.Builder#hedgeAfter}): a hedged write would double the writes.
 *
 * @param name       short name used in errors and metrics, e.g. {@code "session.find"}
 * @param idempotent true if applying the operation twice has the same effect as once
 * @param read       true if the operation changes nothing on the backend (implies idempotent)
 */
public record Operation(String name, boolean idempotent, boolean read) {

    public Operation {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("operation name must not be blank");
        }
        if (read && !idempotent) {
            throw new IllegalArgumentException("operation " + name + " is a read, so it must be idempotent");
        }
    }

    /** An operation that is not a read: {@code new Operation(name, idempotent, false)}. */
    public Operation(String name, boolean idempotent) {
        this(name, idempotent, false);
    }

    /** An operation that may be retried (reads, overwrites, deletes, compare-and-set by token). */
    public static Operation idempotent(String name) {
        return new Operation(name, true, false);
    }

    /** An operation that must not be retried (increments, appends, create-and-return-new-id). */
    public static Operation nonIdempotent(String name) {
        return new Operation(name, false, false);
    }

    /** A read: changes nothing on the backend, so it may be retried and hedged. */
    public static Operation read(String name) {
        return new Operation(name, true, true);
    }
}
