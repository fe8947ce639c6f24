package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.churn.ChurnReport;
import dev.exstate.testkit.churn.SchedulerChurn;
import dev.exstate.testkit.churn.SchedulerChurn.Signal;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The leased scheduler on Redis under process churn: 4 replica JVMs ({@link RedisChurnReplica})
 * run a 100 ms fixed-rate job; every 2 to 5 s one gets SIGKILL, SIGTERM or SIGSTOP+SIGCONT (and
 * killed ones are replaced by cold JVMs) until 1,000 ticks have run. Scheduler lease TTL 1 s,
 * renewed every 333 ms.
 *
 * <p>Failover bounds: after SIGKILL (or a SIGSTOP longer than the TTL) of a replica holding the
 * lease, Redis frees it at most one TTL after the holder's last claim or renewal, and the next
 * tick after that runs elsewhere: TTL + one renewal period + one period. After SIGTERM the
 * holder finishes its run and releases: well under a second, plus one period.
 */
@DisplayName("LeasedScheduler on Redis under process churn")
class RedisSchedulerChurnIT {
    private static final Duration PERIOD = Duration.ofMillis(100);
    private static final Duration TTL = Duration.ofSeconds(1);
    private static final Duration RENEW = TTL.dividedBy(3);

    @Test
    @DisplayName("replicas killed, terminated, paused and replaced every 2-5 s run each of 1,000 ticks at most once, tokens rising with ticks")
    void eachTickRunsAtMostOnceUnderChurn() throws Exception {
        try (RedisServer redis = RedisServer.builder().start()) {
            ChurnReport report = SchedulerChurn.builder(RedisChurnReplica.class, redis.uri())
                    .period(PERIOD).leaseTtl(TTL).renewEvery(RENEW).targetTicks(1000)
                    .build().run();
            System.out.println("Redis " + report);
            String context = "Redis " + report + System.lineSeparator() + report.logTails();

            assertThat(report.ticks()).as(context).isGreaterThanOrEqualTo(1000);
            assertThat(report.duplicateTicks()).as(context).isEmpty();
            assertThat(report.tickOrderInversions()).as(context).isZero();
            assertThat(report.malformedLines()).as(context).isZero();
            for (Signal s : Signal.values()) {
                assertThat(report.stats(s).events()).as(context).isPositive();
                assertThat(report.stats(s).withoutFailover()).as(context).isZero();
            }
            assertThat(report.stats(Signal.KILL).maxGap()).as(context).isLessThanOrEqualTo(TTL.plus(RENEW).plus(PERIOD));
            assertThat(report.stats(Signal.TERM).maxGap()).as(context).isLessThanOrEqualTo(Duration.ofSeconds(1).plus(PERIOD));
        }
    }
}
