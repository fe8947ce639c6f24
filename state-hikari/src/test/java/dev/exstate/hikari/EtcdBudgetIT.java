package dev.exstate.hikari;

import dev.exstate.testkit.backend.EtcdServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link BudgetChurn} on a real etcd. */
@DisplayName("ConnectionBudget on etcd under replica churn")
class EtcdBudgetIT {

    @Test
    @DisplayName("replicas joining, leaving, crashing and freezing under load never hold more than the budget, and each joiner gets a share")
    void budgetHoldsUnderChurn() throws Exception {
        try (EtcdServer etcd = EtcdServer.builder().start()) {
            BudgetChurn.Report report = new BudgetChurn("etcd", etcd.endpoint()).run();
            System.out.println("ConnectionBudget " + report);
            report.assertHolds();
        }
    }
}
