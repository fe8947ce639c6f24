package dev.exstate.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import dev.exstate.budget.BudgetOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.memory.InMemoryBackend;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("BudgetedHikariPool on in-memory leases and an embedded H2")
class BudgetedHikariPoolTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final InMemoryBackend backend = InMemoryBackend.create();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** One database per test: nothing left by another test can hold it up. */
    private final String jdbcUrl = "jdbc:h2:mem:budget-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";

    private BudgetedHikariPool replica(int connections) {
        return replica(connections, Duration.ofSeconds(10));
    }

    private BudgetedHikariPool replica(int connections, Duration connectionTimeout) {
        LeaseProvider leases = backend.leaseProvider();
        toClose.add(leases);
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(jdbcUrl);
        hikari.setConnectionTimeout(connectionTimeout.toMillis());
        BudgetOptions budget = BudgetOptions.builder("orders-db", connections).pollInterval(Duration.ofMillis(50))
                .permitTtl(Duration.ofSeconds(2)).build();
        BudgetedHikariPool pool = BudgetedHikariPool.start(hikari, leases, budget);
        toClose.add(pool);
        return pool;
    }

    @Test
    @DisplayName("two replicas split the budget; Hikari's maximum follows the share and the pool serves connections")
    void twoReplicasSplitTheBudget() throws Exception {
        BudgetedHikariPool a = replica(4);
        await().atMost(PATIENCE).until(() -> a.budget().poolSize() == 4);
        BudgetedHikariPool b = replica(4);
        await().atMost(PATIENCE).until(() -> a.budget().poolSize() == 2 && b.budget().poolSize() == 2);
        assertThat(b.dataSource().unwrap(com.zaxxer.hikari.HikariDataSource.class).getMaximumPoolSize()).isEqualTo(2);
        try (Connection c = b.dataSource().getConnection()) {
            assertThat(c.isValid(1)).isTrue();
        }
    }

    @Test
    @DisplayName("a shrink closes connections down to the new size before the permits go")
    void shrinkClosesConnections() throws Exception {
        BudgetedHikariPool a = replica(4);
        await().atMost(PATIENCE).until(() -> a.budget().poolSize() == 4);
        List<Connection> borrowed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            borrowed.add(a.dataSource().getConnection());
        }
        assertThat(a.openConnections()).isEqualTo(4);
        BudgetedHikariPool b = replica(4);
        // a cannot shrink while all four are borrowed: b waits, the budget holds
        await().during(Duration.ofMillis(500)).atMost(PATIENCE).until(() -> b.budget().poolSize() == 0);
        for (Connection c : borrowed) {
            c.close();
        }
        await().atMost(PATIENCE).until(() -> b.budget().poolSize() == 2);
        assertThat(a.openConnections()).isLessThanOrEqualTo(2);
    }

    @Test
    @DisplayName("a replica with a share of 0 opens no connection: getConnection fails with SQLTransientConnectionException")
    void zeroShareRefuses() {
        BudgetedHikariPool a = replica(1);
        await().atMost(PATIENCE).until(() -> a.budget().poolSize() == 1);
        BudgetedHikariPool b = replica(1, Duration.ofMillis(250));
        await().atMost(PATIENCE).until(() -> b.budget().stats().liveReplicas() == 2);
        DataSource ds = b.dataSource();
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLTransientConnectionException.class);
        assertThat(b.openConnections()).isZero();
    }

    @Test
    @DisplayName("a configuration without a data source or JDBC URL is refused before anything starts")
    void configWithoutTarget() {
        LeaseProvider leases = backend.leaseProvider();
        toClose.add(leases);
        assertThatThrownBy(() -> BudgetedHikariPool.start(new HikariConfig(), leases, BudgetOptions.builder("db", 1).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither a dataSource nor a jdbcUrl");
    }
}
