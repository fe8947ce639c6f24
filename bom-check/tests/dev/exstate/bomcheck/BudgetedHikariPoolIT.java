package dev.exstate.bomcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import dev.exstate.budget.BudgetOptions;
import dev.exstate.hikari.BudgetedHikariPool;
import dev.exstate.redis.RedisState;
import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.backend.RedisServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A connection budget on this build's classpath (HikariCP at the version the imported BOMs chose)
 * with its permits on a real redis-server: two replicas share 4 connections to an H2 database.
 */
@DisplayName("a HikariCP pool under a connection budget on Redis, with the BOM's versions")
class BudgetedHikariPoolIT {
    @RegisterExtension
    static final BackendFixture<RedisServer> redis = BackendFixture.of("bom", () -> RedisServer.builder().start());

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    @DisplayName("two replicas get 2 connections each and run a query; when one closes, the other gets all 4")
    void replicasShareTheBudget() throws Exception {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl("jdbc:h2:mem:" + redis.app() + ";DB_CLOSE_DELAY=-1");
        BudgetOptions options = BudgetOptions.builder("bom-db", 4).build();
        try (RedisState a = RedisState.connect(Patience.redis(redis));
             RedisState b = RedisState.connect(Patience.redis(redis));
             BudgetedHikariPool poolA = BudgetedHikariPool.start(hikari, a.leaseProvider(), options)) {
            BudgetedHikariPool poolB = BudgetedHikariPool.start(hikari, b.leaseProvider(), options);
            try {
                await().atMost(PATIENCE).until(() -> poolA.budget().poolSize() == 2 && poolB.budget().poolSize() == 2);
                try (Connection c = poolB.dataSource().getConnection(); Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT 1")) {
                    assertThat(r.next()).isTrue();
                    assertThat(r.getInt(1)).isEqualTo(1);
                }
            } finally {
                poolB.close();
            }
            await().atMost(PATIENCE).until(() -> poolA.budget().poolSize() == 4);
            assertThat(poolA.budget().stats().liveReplicas()).isEqualTo(1);
        }
    }
}
