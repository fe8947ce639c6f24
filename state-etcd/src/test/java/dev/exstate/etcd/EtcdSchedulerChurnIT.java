package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.churn.ChurnReport;
import dev.exstate.testkit.churn.SchedulerChurn;
import dev.exstate.testkit.churn.SchedulerChurn.Signal;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The leased scheduler on etcd under process churn: 4 replica JVMs ({@link EtcdChurnReplica})
 * run a 100 ms fixed-rate job; every 2 to 5 s one gets SIGKILL, SIGTERM or SIGSTOP+SIGCONT (and
 * killed ones are replaced by cold JVMs) until 1,000 ticks have run. Scheduler lease TTL 2 s
 * (whole seconds, as etcd grants them), renewed every 667 ms.
 *
 * <p>Failover bounds: after SIGKILL (or a SIGSTOP longer than the TTL) of a replica holding the
 * lease, etcd expires its lease at most one TTL after the last grant or keep-alive, but only
 * notices at its next expiry check, which runs every 500 ms; the next tick after that runs
 * elsewhere: TTL + one renewal period + 500 ms + one period. After SIGTERM the holder finishes its
 * run and releases: well under a second, plus one period.
 */
@DisplayName("LeasedScheduler on etcd under process churn")
class EtcdSchedulerChurnIT {
    private static final Duration PERIOD = Duration.ofMillis(100);
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration RENEW = TTL.dividedBy(3);
    /** etcd's lessor looks for expired leases every 500 ms. */
    private static final Duration ETCD_EXPIRY_CHECK = Duration.ofMillis(500);

    @Test
    @DisplayName("replicas killed, terminated, paused and replaced every 2-5 s run each of 1,000 ticks at most once, tokens rising with ticks")
    void eachTickRunsAtMostOnceUnderChurn() throws Exception {
        try (EtcdServer etcd = EtcdServer.builder().start()) {
            ChurnReport report = SchedulerChurn.builder(EtcdChurnReplica.class, etcd.endpoint())
                    .period(PERIOD).leaseTtl(TTL).renewEvery(RENEW).targetTicks(1000)
                    .build().run();
            System.out.println("etcd " + report);
            String context = "etcd " + report + System.lineSeparator() + report.logTails();

            assertThat(report.ticks()).as(context).isGreaterThanOrEqualTo(1000);
            assertThat(report.duplicateTicks()).as(context).isEmpty();
            assertThat(report.tickOrderInversions()).as(context).isZero();
            assertThat(report.malformedLines()).as(context).isZero();
            for (Signal s : Signal.values()) {
                assertThat(report.stats(s).events()).as(context).isPositive();
                assertThat(report.stats(s).withoutFailover()).as(context).isZero();
            }
            assertThat(report.stats(Signal.KILL).maxGap()).as(context)
                    .isLessThanOrEqualTo(TTL.plus(RENEW).plus(ETCD_EXPIRY_CHECK).plus(PERIOD));
            assertThat(report.stats(Signal.TERM).maxGap()).as(context).isLessThanOrEqualTo(Duration.ofSeconds(1).plus(PERIOD));
        }
    }
}
