package dev.exstate.budget;

/**
 * Applies a {@link ConnectionBudget}'s decision to a connection pool. Called on the budget's own
 * thread, never concurrently for one budget.
 *
 * <p>The contract that keeps the budget safe: when {@link #resize} returns, the pool neither
 * holds nor may open more than {@code maxConnections} connections (idle ones closed, borrowed ones
 * returned and closed). A shrink that cannot finish must throw: the budget then keeps the permits
 * and tries again at its next poll. A size of 0 means no connection at all; pools that cannot be
 * sized to 0 (HikariCP) must refuse to open connections instead.
 */
@FunctionalInterface
public interface PoolSizer {

    /**
     * Sets the pool's maximum to {@code maxConnections} (0 or more) and, when shrinking, returns
     * only once the pool holds at most that many connections.
     *
     * @throws RuntimeException if a shrink could not finish; the budget retries
     */
    void resize(int maxConnections);
}
