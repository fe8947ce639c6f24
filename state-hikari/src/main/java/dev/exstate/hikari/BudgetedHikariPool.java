package dev.exstate.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.DriverDataSource;
import dev.exstate.budget.BudgetOptions;
import dev.exstate.budget.ConnectionBudget;
import dev.exstate.budget.PoolSizer;
import dev.exstate.lease.LeaseProvider;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import javax.sql.DataSource;

/**
 * A HikariCP pool whose {@code maximumPoolSize} follows this replica's share of a cluster-wide
 * {@link ConnectionBudget}: with every replica using one, all replicas together never hold more
 * connections than the budget.
 *
 * <pre>{@code
 * HikariConfig hikari = new HikariConfig();
 * hikari.setJdbcUrl("jdbc:postgresql://orders-db/orders");
 * try (BudgetedHikariPool pool = BudgetedHikariPool.start(hikari, redis.leaseProvider(),
 *         BudgetOptions.builder("orders-db", 100).build())) {
 *     DataSource orders = pool.dataSource();
 * }
 * }</pre>
 *
 * <p>What it does to the pool: Hikari's maximum follows the share (at least 1, Hikari's floor);
 * a shrink sets the new maximum, soft-evicts every connection (idle ones close now, borrowed ones
 * when returned; the pool reopens up to the new size on demand) and waits, up to the drain
 * timeout, until the physical connections are down to the new size. Under Hikari, a data source
 * counts the physical connections and opens one only while the budget's permits, judged at that
 * moment, cover it (Hikari's connection-adding thread waits for cover, up to 30 s at a time); with
 * a share of 0 (more replicas than connections) it opens none, and {@code getConnection()} fails
 * after Hikari's {@code connectionTimeout} with an {@link java.sql.SQLTransientConnectionException}. The copy of the configuration this pool runs
 * on has {@code minimumIdle} 0 (connections open on demand) and {@code initializationFailTimeout}
 * -1 (the pool starts before the first share arrives); the caller's {@link HikariConfig} is not
 * changed.
 *
 * <p>Thread-safe. {@link #close()} empties the pool and releases the permits, then closes the pool.
 */
public final class BudgetedHikariPool implements AutoCloseable {
    /** How long a shrink waits for borrowed connections to come back before the budget retries. */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final HikariDataSource dataSource;
    private final GatedDataSource gate;
    private final ConnectionBudget budget;

    private BudgetedHikariPool(HikariDataSource dataSource, GatedDataSource gate, ConnectionBudget budget) {
        this.dataSource = dataSource;
        this.gate = gate;
        this.budget = budget;
    }

    /**
     * Starts a pool from a copy of {@code config} (a {@code dataSource} or a {@code jdbcUrl}
     * must be set) and joins the budget; returns before the first share arrives.
     *
     * @throws IllegalArgumentException if the configuration has neither a data source nor a JDBC URL
     */
    public static BudgetedHikariPool start(HikariConfig config, LeaseProvider leases, BudgetOptions options) {
        return start(config, leases, options, size -> { });
    }

    /**
     * As {@link #start(HikariConfig, LeaseProvider, BudgetOptions)}, and tells {@code sizeListener}
     * every size applied, on the budget's thread: a growing size before the pool may grow to it, a
     * shrinking one once the pool has drained to it. So from each call on, until the next, the pool
     * holds at most the last size given (for metrics, readiness, or an audit).
     */
    public static BudgetedHikariPool start(HikariConfig config, LeaseProvider leases, BudgetOptions options,
                                           IntConsumer sizeListener) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sizeListener, "sizeListener");
        Objects.requireNonNull(leases, "leases");
        Objects.requireNonNull(options, "options");
        HikariConfig copy = new HikariConfig();
        config.copyStateTo(copy);
        DataSource target = copy.getDataSource();
        if (target == null) {
            if (copy.getJdbcUrl() == null) {
                throw new IllegalArgumentException("connection budget '" + options.resource()
                        + "': the HikariConfig sets neither a dataSource nor a jdbcUrl; set one of them");
            }
            target = new DriverDataSource(copy.getJdbcUrl(), copy.getDriverClassName(), copy.getDataSourceProperties(),
                    copy.getUsername(), copy.getPassword());
            copy.setJdbcUrl(null);
            copy.setDriverClassName(null);
        }
        GatedDataSource gate = new GatedDataSource(target, options.resource());
        copy.setDataSource(gate);
        copy.setMinimumIdle(0);
        copy.setMaximumPoolSize(1);
        copy.setInitializationFailTimeout(-1);
        HikariDataSource dataSource = new HikariDataSource(copy);
        try {
            ConnectionBudget budget = ConnectionBudget.start(leases, options, new Sizer(dataSource, gate, options.resource(), sizeListener));
            gate.budget(budget);
            return new BudgetedHikariPool(dataSource, gate, budget);
        } catch (RuntimeException e) {
            gate.close();
            dataSource.close();
            throw e;
        }
    }

    /** The pool: hand it to your JDBC code. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The budget this pool follows. */
    public ConnectionBudget budget() {
        return budget;
    }

    /** Physical connections open now (borrowed or idle, including evicted ones not yet returned). */
    public int openConnections() {
        return gate.open();
    }

    /** Empties the pool and releases the permits, then closes the pool. Idempotent. */
    @Override
    public void close() {
        try {
            budget.close();
        } finally {
            gate.close();
            dataSource.close();
        }
    }

    @Override
    public String toString() {
        return "BudgetedHikariPool[" + budget.stats() + ", open=" + gate.open() + "]";
    }

    /** Applies a size to the Hikari pool; shrinks wait for the physical connections to drain. */
    private static final class Sizer implements PoolSizer {
        private final HikariDataSource pool;
        private final GatedDataSource gate;
        private final String resource;
        private final IntConsumer listener;
        private int size;

        Sizer(HikariDataSource pool, GatedDataSource gate, String resource, IntConsumer listener) {
            this.pool = pool;
            this.gate = gate;
            this.resource = resource;
            this.listener = listener;
        }

        @Override
        public void resize(int maxConnections) {
            if (maxConnections > size) {
                listener.accept(maxConnections);
            }
            drainTo(maxConnections);
            if (maxConnections < size) {
                listener.accept(maxConnections);
            }
            size = maxConnections;
        }

        private void drainTo(int maxConnections) {
            gate.limit(maxConnections);
            pool.getHikariConfigMXBean().setMaximumPoolSize(Math.max(1, maxConnections));
            if (gate.open() <= maxConnections) {
                return;
            }
            pool.getHikariPoolMXBean().softEvictConnections();
            long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
            while (gate.open() > maxConnections) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("connection budget '" + resource + "': " + gate.open()
                            + " connections still open " + DRAIN_TIMEOUT.toSeconds() + " s after shrinking the pool to "
                            + maxConnections + "; connections borrowed that long delay the rebalancing (permits are kept"
                            + " and the shrink is retried)");
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("connection budget '" + resource + "': interrupted while draining the pool", e);
                }
            }
        }
    }
}
