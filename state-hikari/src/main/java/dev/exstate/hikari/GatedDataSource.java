package dev.exstate.hikari;

import dev.exstate.budget.ConnectionBudget;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The data source under the Hikari pool: counts the physical connections open and opens one only
 * while the budget's permits cover it, judged at that moment (not when the pool was last sized),
 * so a replica resumed from a pause cannot open connections on permits that expired meanwhile.
 * A creation without cover waits for it (Hikari creates on one thread of its own).
 */
final class GatedDataSource implements DataSource {
    private final DataSource target;
    private final String resource;
    private volatile ConnectionBudget budget;
    /** The pool size being applied; lowered before a shrink starts draining. */
    private volatile int limit;
    private int open;
    private boolean closed;
    /** Longest wait of one connection creation for a permit. */
    static final Duration WAIT = Duration.ofSeconds(30);

    GatedDataSource(DataSource target, String resource) {
        this.target = target;
        this.resource = resource;
    }

    void budget(ConnectionBudget budget) {
        this.budget = budget;
    }

    synchronized void limit(int limit) {
        this.limit = limit;
        notifyAll();
    }

    synchronized int open() {
        return open;
    }

    @Override
    public Connection getConnection() throws SQLException {
        reserve();
        return opened(() -> target.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        reserve();
        return opened(() -> target.getConnection(username, password));
    }

    /**
     * Waits (up to {@link #WAIT}) until the permits cover one more connection. Waiting rather than
     * refusing at once matters: Hikari backs off exponentially (up to 5 s) after each refused
     * creation, so refusals while the share is 0 would delay the first connections after it arrives.
     * Callers of {@code getConnection()} still get Hikari's timeout after {@code connectionTimeout}.
     */
    private synchronized void reserve() throws SQLException {
        long until = System.nanoTime() + WAIT.toNanos();
        while (!covered()) {
            long left = until - System.nanoTime();
            if (closed || left <= 0) {
                throw new SQLTransientConnectionException("connection budget '" + resource + "': this replica holds permits for "
                        + limit + " connection(s) and has " + open + " open; no connection opened. The share grows when other "
                        + "replicas leave or the budget is raised; meanwhile report this replica not ready for this resource");
            }
            try {
                // permits expire with time, not with a notification: look again every few ms
                wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 10)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLTransientConnectionException("connection budget '" + resource + "': interrupted while waiting for a permit", e);
            }
        }
        open++;
    }

    private boolean covered() {
        ConnectionBudget b = budget;
        int next = open + 1;
        return b != null && next <= limit && b.holdsPermitsFor(next);
    }

    /** Wakes and refuses every waiting creation: the pool is closing. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }

    private synchronized void released() {
        open--;
        notifyAll();
    }

    private interface Open {
        Connection get() throws SQLException;
    }

    private Connection opened(Open connect) throws SQLException {
        Connection c;
        try {
            c = connect.get();
        } catch (SQLException | RuntimeException e) {
            released();
            throw e;
        }
        AtomicBoolean done = new AtomicBoolean();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        try {
                            c.close();
                        } finally {
                            if (done.compareAndSet(false, true)) {
                                released();
                            }
                        }
                        return null;
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return target.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || target.isWrapperFor(iface);
    }
}
