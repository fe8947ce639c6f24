package dev.exstate.hikari;

import com.zaxxer.hikari.HikariConfig;
import dev.exstate.budget.BudgetOptions;
import dev.exstate.budget.BudgetStats;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * One replica process of {@link BudgetChurn}: a {@link BudgetedHikariPool} on Redis or etcd leases,
 * with worker threads borrowing connections to the H2 server in a loop. Reports on stdout, each
 * line stamped with {@link System#nanoTime()} (the machine-wide monotonic clock on Linux):
 * {@code JOINED t}, {@code SIZE t n} (from the pool's size listener: before growing, after
 * draining), {@code HB t poolSize provableForNanos openConnections} every 5 ms, {@code LEFT t}.
 * Exits on SIGTERM (closing the pool: shrink, then release) or when stdin closes.
 *
 * <p>Arguments: {@code redis|etcd endpoint app jdbcUrl connections ttlMillis pollMillis maxReplicas workers}.
 */
public final class BudgetReplica {
    private BudgetReplica() {
    }

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        String backend = args[0];
        String endpoint = args[1];
        String app = args[2];
        String jdbcUrl = args[3];
        int connections = Integer.parseInt(args[4]);
        Duration ttl = Duration.ofMillis(Long.parseLong(args[5]));
        Duration poll = Duration.ofMillis(Long.parseLong(args[6]));
        int maxReplicas = Integer.parseInt(args[7]);
        int workers = Integer.parseInt(args[8]);

        AutoCloseable state;
        LeaseProvider leases;
        if (backend.equals("redis")) {
            RedisState redis = RedisState.connect(RedisOptions.standalone(endpoint).appName(app).build());
            state = redis;
            leases = redis.leaseProvider();
        } else {
            EtcdState etcd = EtcdState.connect(EtcdOptions.builder(endpoint).appName(app).build());
            state = etcd;
            leases = etcd.leaseProvider();
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(jdbcUrl);
        hikari.setUsername("sa");
        hikari.setPassword("");
        hikari.setConnectionTimeout(250);
        hikari.setPoolName("budget-replica");
        BudgetOptions options = BudgetOptions.builder("orders-db", connections)
                .permitTtl(ttl).pollInterval(poll).maxReplicas(maxReplicas).build();

        say("JOINED " + System.nanoTime());
        BudgetedHikariPool pool = BudgetedHikariPool.start(hikari, leases, options, n -> say("SIZE " + System.nanoTime() + " " + n));

        CountDownLatch stop = new CountDownLatch(1);
        AtomicLong borrowed = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(() -> work(pool.dataSource(), stop, borrowed, refused), "worker-" + i);
            t.setDaemon(true);
            t.start();
        }
        Thread heartbeat = new Thread(() -> {
            while (stop.getCount() > 0) {
                BudgetStats s = pool.budget().stats();
                say("HB " + System.nanoTime() + " " + s.poolSize() + " " + s.provableFor().toNanos() + " " + pool.openConnections());
                try {
                    TimeUnit.MILLISECONDS.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heartbeat");
        heartbeat.setDaemon(true);
        heartbeat.start();

        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                pool.close();
                say("LEFT " + System.nanoTime() + " borrowed=" + borrowed.get() + " refused=" + refused.get());
                leases.close();
                state.close();
            } catch (Exception e) {
                System.err.println("budget replica: closing failed: " + e);
            }
            closed.countDown();
        }, "budget-replica-shutdown"));
        // the driver closes our stdin when it ends: never outlive it
        while (System.in.read() >= 0) {
            // ignore input
        }
        System.exit(0);
    }

    private static void work(DataSource ds, CountDownLatch stop, AtomicLong borrowed, AtomicLong refused) {
        while (stop.getCount() > 0) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                rs.next();
                borrowed.incrementAndGet();
                TimeUnit.MILLISECONDS.sleep(2);
            } catch (SQLException e) {
                refused.incrementAndGet();
                sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
