package dev.exstate.redis;

import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.churn.ChurnReport;
import dev.exstate.testkit.churn.SchedulerChurn;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The leased scheduler on Redis under process churn: 4 replica JVMs ({@link RedisChurnReplica})
 * run a 100 ms fixed-rate job; every 2 to 5 s one gets SIGKILL, SIGTERM or SIGSTOP+SIGCONT (and
 * killed ones are replaced by cold JVMs) until 1,000 ticks have run. Scheduler lease TTL 1 s,
 * renewed every 333 ms.
 *
 * <p>Failover bounds ({@link ChurnReport#assertHolds}): Redis frees a lease at most one TTL after
 * the holder's last claim or renewal, with no lag of its own.
 */
@DisplayName("LeasedScheduler on Redis under process churn")
class RedisSchedulerChurnIT {

    @Test
    @DisplayName("replicas killed, terminated, paused and replaced every 2-5 s run each of 1,000 ticks at most once, tokens rising with ticks")
    void eachTickRunsAtMostOnceUnderChurn() throws Exception {
        try (RedisServer redis = RedisServer.builder().start()) {
            // the period, the renewals (TTL/3) and the 1,000 ticks are the churn's defaults
            ChurnReport report = SchedulerChurn.builder(RedisChurnReplica.class, redis.uri())
                    .leaseTtl(Duration.ofSeconds(1))
                    .build().run();
            System.out.println("Redis " + report);
            report.assertHolds("Redis", Duration.ZERO);
        }
    }
}
