package dev.exstate.etcd;

import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.churn.ChurnReport;
import dev.exstate.testkit.churn.SchedulerChurn;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The leased scheduler on etcd under process churn: 4 replica JVMs ({@link EtcdChurnReplica})
 * run a 100 ms fixed-rate job; every 2 to 5 s one gets SIGKILL, SIGTERM or SIGSTOP+SIGCONT (and
 * killed ones are replaced by cold JVMs) until 1,000 ticks have run. Scheduler lease TTL 2 s
 * (whole seconds, as etcd grants them), renewed every 667 ms.
 *
 * <p>Failover bounds ({@link ChurnReport#assertHolds}): etcd expires a lease at most one TTL after
 * the last grant or keep-alive, but only notices at its next expiry check, which runs every
 * 500 ms: that is its lag.
 */
@DisplayName("LeasedScheduler on etcd under process churn")
class EtcdSchedulerChurnIT {
    /** etcd's lessor looks for expired leases every 500 ms. */
    private static final Duration ETCD_EXPIRY_CHECK = Duration.ofMillis(500);

    @Test
    @DisplayName("replicas killed, terminated, paused and replaced every 2-5 s run each of 1,000 ticks at most once, tokens rising with ticks")
    void eachTickRunsAtMostOnceUnderChurn() throws Exception {
        try (EtcdServer etcd = EtcdServer.builder().start()) {
            // whole seconds, as etcd grants them; the period, the renewals (TTL/3) and the 1,000 ticks are the churn's defaults
            ChurnReport report = SchedulerChurn.builder(EtcdChurnReplica.class, etcd.endpoint())
                    .leaseTtl(Duration.ofSeconds(2))
                    .build().run();
            System.out.println("etcd " + report);
            report.assertHolds("etcd", ETCD_EXPIRY_CHECK);
        }
    }
}
