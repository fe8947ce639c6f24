package dev.exstate.spring.boot.internal;

import dev.exstate.budget.BudgetStats;
import dev.exstate.hikari.BudgetedHikariPool;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Whether this replica may do database work, as an Actuator indicator ({@code exstateDataSourceBudget},
 * in the readiness group): UP while its pool has a share of the connection budget, OUT_OF_SERVICE
 * while the pool size is 0 (no share yet, more replicas than connections, or permits at risk
 * because the lease backend is not answering). Details are the budget's stats. No I/O: it reads
 * what the budget last knew. UP with a note when no budgeted pool exists (the application
 * defines its own {@code DataSource}).
 */
public final class DataSourceBudgetHealthIndicator implements HealthIndicator {
    private final Supplier<BudgetedHikariPool> pool;

    /** @param pool the budgeted pool, or null when there is none */
    public DataSourceBudgetHealthIndicator(Supplier<BudgetedHikariPool> pool) {
        this.pool = pool;
    }

    @Override
    public Health health() {
        BudgetedHikariPool p = pool.get();
        if (p == null) {
            return Health.up().withDetail("budget", "not in use: the application defines its own DataSource").build();
        }
        BudgetStats s = p.budget().stats();
        Health.Builder b = s.poolSize() > 0 ? Health.up() : Health.outOfService();
        b.withDetail("resource", s.resource())
                .withDetail("connections", s.connections())
                .withDetail("liveReplicas", s.liveReplicas())
                .withDetail("share", s.share())
                .withDetail("permits", s.permits())
                .withDetail("poolSize", s.poolSize())
                .withDetail("openConnections", p.openConnections());
        if (s.poolSize() == 0) {
            b.withDetail("reason", reason(s));
        }
        return b.build();
    }

    private static String reason(BudgetStats s) {
        if (s.liveReplicas() > s.connections() && s.share() == 0) {
            return s.liveReplicas() + " replicas share " + s.connections() + " connections: this replica has no share until "
                    + "others leave or the budget is raised";
        }
        if (s.share() > 0) {
            return "waiting for permits: " + s.permits() + " of a share of " + s.share() + " held and covered";
        }
        return "no share yet: joining the budget (or every one of its max-replicas membership slots is taken)";
    }

    @Override
    public String toString() {
        return "DataSourceBudgetHealthIndicator";
    }
}
