package dev.exstate.budget;

import dev.exstate.internal.budget.BudgetEngine;
import dev.exstate.lease.LeaseProvider;

/**
 * A cluster-wide limit of connections to one resource, shared by all replicas of a service:
 * scaling from 2 to 200 replicas never opens more than the budget, however the replicas come and go.
 *
 * <p><b>How it works.</b> The budget of {@code n} connections is {@code n} permits, each a lease
 * {@code budget.<resource>@<i>} ({@code 0 <= i < n}) on the given {@link LeaseProvider} (Redis,
 * etcd or in memory: the same code for all; the provider must implement {@link LeaseProvider#held}). A lease has one holder at a time, so the permits held
 * over all replicas never exceed {@code n}. Each replica sizes its pool to the permits it
 * <em>provably</em> holds, judged by the leases' conservative local deadlines (they end before the
 * backend's TTL, as for every exstate lease): it <b>grows only after acquiring</b> and <b>shrinks
 * before releasing</b>; a permit whose renewal is late (less than a quarter of the TTL, or one
 * poll interval, left) or lost stops counting at once and the pool shrinks. So the sum of pool maxima over all replicas
 * never exceeds the budget: not during joins, graceful leaves, crashes (a crashed replica's
 * permits expire after {@link BudgetOptions#permitTtl()}), nor pauses (a paused replica's permits
 * end locally before anyone else can take them, and {@link #holdsPermitsFor} lets a pool refuse to
 * open a connection the moment they do, before the budget's thread has shrunk it).
 *
 * <p><b>Fair shares.</b> Each replica also holds a membership lease
 * {@code budget.<resource>@member.<j>} on the lowest free slot {@code j < maxReplicas}. Every poll
 * it reads which slots are live in one {@link LeaseProvider#held} call and aims for
 * {@code n / live} permits, plus one for the {@code n % live} lowest slots. A replica above its
 * share shrinks its pool and releases the surplus; one below it reads which permits are free (one
 * more call) and acquires them. A joining replica thus gets its share within about two poll
 * intervals plus the time the others need to drain the connections they give up. Shares only
 * decide fairness: safety never depends on the count, so a count that is already old can only
 * delay a share, never oversubscribe the budget.
 *
 * <p><b>More replicas than connections.</b> Safety wins: the budget is never oversubscribed, so
 * the {@code live - n} highest slots get a share of 0. Their pool opens no connection (the
 * HikariCP adapter refuses it with an {@link java.sql.SQLException} after the pool's connection
 * timeout), and {@link #stats()} shows {@code poolSize() == 0}: report such a replica not ready
 * for work needing the resource, or scale the budget with the replicas.
 *
 * <p><b>Limits.</b> A replica frozen (SIGSTOP, a long GC pause) keeps the sockets it had open: the
 * budget stops it from opening new connections but cannot close a frozen process's connections;
 * the database's own idle or keepalive timeouts do. A pool must apply {@link PoolSizer}'s contract
 * (close connections on shrink) for open connections to follow the budget, not only maxima.
 *
 * <p>Thread-safe. One daemon thread per budget ({@code exstate-budget-<resource>}); every backend
 * call goes through the lease provider's guard. {@link #close()} shrinks the pool to 0, then
 * releases every permit and the membership.
 */
public interface ConnectionBudget extends AutoCloseable {

    /**
     * Starts sharing {@code options.connections()} over all replicas that start a budget with the
     * same resource on the same backend. Calls {@code pool.resize(0)} at once, then returns; the
     * share arrives from the budget's thread.
     *
     * @param leases the replica's lease provider; not closed by the budget
     */
    static ConnectionBudget start(LeaseProvider leases, BudgetOptions options, PoolSizer pool) {
        BudgetEngine engine = new BudgetEngine(leases, options, pool);
        engine.start();
        return engine;
    }

    /** The size last applied to the pool. */
    int poolSize();

    /**
     * True if this replica holds at least {@code connections} permits whose local deadline has
     * not passed: a pool asks this before opening a connection, so a replica resumed from a pause
     * cannot open one on permits it no longer holds.
     */
    boolean holdsPermitsFor(int connections);

    /** This replica's view of the budget now. */
    BudgetStats stats();

    /** Shrinks the pool to 0, then releases every permit and the membership. Idempotent. */
    @Override
    void close();
}
