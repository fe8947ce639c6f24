package dev.exstate.hikari;

import dev.exstate.testkit.backend.RedisServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link BudgetChurn} on a real redis-server. */
@DisplayName("ConnectionBudget on Redis under replica churn")
class RedisBudgetIT {

    @Test
    @DisplayName("replicas joining, leaving, crashing and freezing under load never hold more than the budget, and each joiner gets a share")
    void budgetHoldsUnderChurn() throws Exception {
        try (RedisServer redis = RedisServer.builder().start()) {
            BudgetChurn.Report report = new BudgetChurn("redis", redis.uri()).run();
            System.out.println("ConnectionBudget " + report);
            report.assertHolds();
        }
    }
}
