package dev.exstate.lease.spi;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * SPI for providers: the few remote operations a lease needs. Everything else (local deadline,
 * background renewal, lost callbacks, release on close) is done once, in {@link LeaseManager}.
 * Each method is one guarded remote call; implementations must be thread-safe.
 *
 * <p>{@code owner} is a random id unique per acquisition, so a release or renew by a holder
 * whose lease already passed to another replica can never touch the new holder's lease.
 */
public interface LeaseBackend extends AutoCloseable {

    /**
     * Takes {@code name} for {@code owner} if free (or expired).
     *
     * @return the new fencing token, strictly greater than every earlier token for {@code name};
     *         empty if held by another owner
     */
    OptionalLong acquire(String name, String owner, Duration ttl);

    /** Extends the lease to {@code ttl} from now if {@code owner} still holds it; false if not. */
    boolean renew(String name, String owner, long token, Duration ttl);

    /** Frees the lease if {@code owner} still holds it; a no-op otherwise. */
    void release(String name, String owner, long token);

    /** Name of the backend for errors and health, e.g. {@code "redis"}. */
    String backendName();

    @Override
    default void close() {
    }
}
