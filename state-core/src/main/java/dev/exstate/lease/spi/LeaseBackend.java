package dev.exstate.lease.spi;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

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

    /**
     * Claims tick {@code tick} of the job {@code name} for {@code owner}, in one atomic step of
     * the backend: succeeds only if nobody else holds the lease {@code name} and the last tick
     * recorded for {@code name} is below {@code tick}; then records {@code tick} as the last one
     * started, takes the lease for {@code owner} with {@code ttl} and issues the next fencing
     * token from the same sequence as {@link #acquire}. Because the record only advances, each
     * tick is claimed at most once, and the tokens of successful claims increase in tick order.
     * The record is kept for as long as the backend keeps its data (it never expires with the
     * lease), and a failed claim leaves it unchanged.
     *
     * <p>Idempotent for one owner: if {@code owner} already holds {@code name} (a retry after a
     * lost reply), returns the token it holds. {@code tick} is between 0 and 2<sup>53</sup> - 1
     * (checked by the caller), so it is exact as a double, e.g. in Lua.
     *
     * @return the new fencing token; empty if another owner holds the lease or a tick
     *         {@code >= tick} was already claimed
     * @throws UnsupportedOperationException if this backend cannot record ticks (the default);
     *         the scheduler's fixed-rate jobs need it
     */
    default OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
        throw new UnsupportedOperationException("the " + backendName() + " lease backend (" + getClass().getName()
                + ") does not implement LeaseBackend.claimTick, which fixed-rate jobs of the LeasedScheduler need; "
                + "implement it as one atomic step of the backend, or use fixed-delay jobs");
    }

    /**
     * Which of {@code names} are held now (acquired, and neither released nor expired in the
     * backend), read without changing anything: one read, or one per batch where the backend
     * limits a request's size. The names are distinct and already checked, at most
     * {@link dev.exstate.lease.LeaseProvider#MAX_HELD_NAMES}.
     *
     * @throws UnsupportedOperationException if this backend cannot tell (the default)
     */
    default Set<String> held(List<String> names) {
        throw new UnsupportedOperationException("the " + backendName() + " lease backend (" + getClass().getName()
                + ") does not implement LeaseBackend.held, which ConnectionBudget needs; implement it as a read of the "
                + "names' lease records");
    }

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
