package dev.exstate.spring.boot.it;

import dev.exstate.lease.JobContext;
import dev.exstate.spring.boot.scheduling.Leased;
import dev.exstate.spring.boot.scheduling.LeasedRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * One replica of {@link LeasedSchedulingIT}: a fixed-rate and a cron {@link Leased} method that
 * append each run (replica, job, tick, fencing token) to this replica's run log, a file, so that
 * replicas in this JVM and in another one report the same way. {@link #main} runs it as its own
 * process, to be paused with SIGSTOP.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableScheduling
public class LeasedReplicaApp {

    @Bean
    Jobs jobs(Environment env) {
        return new Jobs(env.getRequiredProperty("it.replica"), Path.of(env.getRequiredProperty("it.run-log")));
    }

    static SpringApplicationBuilder builder(String replica, String redisUri, Path runLog) {
        return new SpringApplicationBuilder(LeasedReplicaApp.class).web(WebApplicationType.NONE).properties(
                "spring.application.name=leased-it",
                "exstate.require-shared-backends=leases",
                "exstate.redis.uri=" + redisUri,
                "exstate.scheduler.threads=4",
                "exstate.scheduler.lease-ttl=2s",
                "exstate.scheduler.shutdown-grace=1s",
                "it.replica=" + replica,
                "it.run-log=" + runLog);
    }

    /** {@code replica redisUri runLog}: a replica in its own JVM, until it is killed. */
    public static void main(String[] args) throws InterruptedException {
        builder(args[0], args[1], Path.of(args[2])).run();
        // the scheduler's threads are daemons and there is no web server: keep the JVM alive
        new CountDownLatch(1).await();
    }

    public static class Jobs {
        private final String replica;
        private final Path runLog;

        Jobs(String replica, Path runLog) {
            this.replica = replica;
            this.runLog = runLog;
        }

        @Scheduled(fixedRate = 500)
        @Leased(name = "rate")
        public void rate(JobContext run) throws InterruptedException {
            record(run);
            // holds the lease a while, so that a pause often hits a replica in the middle of a run
            Thread.sleep(150);
        }

        @Scheduled(cron = "* * * * * *", zone = "UTC")
        @Leased(name = "cron")
        public void cron() {
            record(LeasedRun.current().orElseThrow());
        }

        private synchronized void record(JobContext run) {
            String line = replica + " " + run.jobName() + " " + run.tick() + " " + run.fencingToken() + "\n";
            try {
                Files.writeString(runLog, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                        StandardOpenOption.SYNC);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
