package dev.exstate.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.LeasedScheduler;
import dev.exstate.testkit.backend.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code @Leased @Scheduled} methods on replicas sharing one real redis-server: two Spring
 * application contexts in this JVM and a third in its own JVM, which is frozen with SIGSTOP and
 * thawed with SIGCONT. Each run is logged by the replica that ran it; every tick of the fixed-rate
 * and the cron job must appear once in all the logs together, with fencing tokens rising in tick
 * order. Nothing here depends on timing: the waits only wait for enough ticks to have happened.
 */
@DisplayName("@Leased @Scheduled methods on three replicas sharing a real Redis")
class LeasedSchedulingIT {
    private static final Logger log = LoggerFactory.getLogger(LeasedSchedulingIT.class);
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private RedisServer redis;
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private Process frozenReplica;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.builder().start();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (frozenReplica != null) {
            signal(frozenReplica, "CONT");
            frozenReplica.destroyForcibly();
            frozenReplica.waitFor(30, TimeUnit.SECONDS);
        }
        contexts.forEach(ConfigurableApplicationContext::close);
        if (redis != null) {
            redis.close();
        }
    }

    record Run(String replica, String job, long tick, long token) {
    }

    @Test
    @DisplayName("every tick runs on exactly one replica, tokens rise in tick order, and a SIGSTOPped replica never runs a tick twice")
    void oneReplicaPerTick() throws Exception {
        contexts.add(LeasedReplicaApp.builder("A", redis.uri(), dir.resolve("A.log")).run());
        contexts.add(LeasedReplicaApp.builder("B", redis.uri(), dir.resolve("B.log")).run());
        frozenReplica = startReplicaProcess("C", dir.resolve("C.log"));

        // C has started and won a tick of each job at least once: it competes with A and B
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() ->
                runs().stream().filter(r -> r.replica().equals("C")).map(Run::job).distinct().count() == 2);
        signal(frozenReplica, "STOP");
        long frozenAt = runs().size();
        log.info("replica C (pid {}) frozen after {} runs in all", frozenReplica.pid(), frozenAt);
        // A and B go on without C: at least 6 more ticks of each job (a lease C held runs out after its 2 s TTL)
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> runs().size() >= frozenAt + 12
                && runsAfter(frozenAt, "rate") >= 6 && runsAfter(frozenAt, "cron") >= 6);
        long thawedAt = runs().size();
        signal(frozenReplica, "CONT");
        log.info("replica C thawed after {} runs in all", thawedAt);
        // C comes back with its timers late and its leases lost; the three replicas go on
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> runs().size() >= thawedAt + 12);

        List<Run> runs = runs();
        for (String job : List.of("rate", "cron")) {
            Map<Long, List<Run>> byTick = runs.stream().filter(r -> r.job().equals(job))
                    .collect(Collectors.groupingBy(Run::tick, TreeMap::new, Collectors.toList()));
            assertThat(byTick).as("runs of job '%s' by tick", job)
                    .allSatisfy((tick, ran) -> assertThat(ran).as("tick %d of '%s'", tick, job).hasSize(1));
            List<Long> tokens = byTick.values().stream().map(r -> r.get(0).token()).toList();
            assertThat(tokens).as("fencing tokens of '%s' in tick order", job).isSorted().doesNotHaveDuplicates();
            log.info("job '{}': {} ticks, run by {}", job, byTick.size(), runs.stream().filter(r -> r.job().equals(job))
                    .collect(Collectors.groupingBy(Run::replica, TreeMap::new, Collectors.counting())));
        }
        assertThat(runs.stream().filter(r -> r.job().equals("cron")))
                .allSatisfy(r -> assertThat(r.tick() % 1000).as("a cron tick is a fire time in epoch millis").isZero());
        // the in-JVM replicas' runs show in their scheduler beans' stats
        long completed = contexts.stream().mapToLong(c -> c.getBean(LeasedScheduler.class).stats().runsCompleted()).sum();
        assertThat(completed).isGreaterThanOrEqualTo(runs.stream().filter(r -> !r.replica().equals("C")).count() - 2);
    }

    private long runsAfter(long index, String job) {
        List<Run> all = runs();
        return all.subList((int) Math.min(index, all.size()), all.size()).stream().filter(r -> r.job().equals(job)).count();
    }

    /** All runs logged so far by the three replicas, in the order of their ticks. */
    private List<Run> runs() {
        List<Run> runs = new ArrayList<>();
        for (String replica : List.of("A", "B", "C")) {
            Path file = dir.resolve(replica + ".log");
            if (!Files.exists(file)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.split(" ");
                    if (f.length == 4) { // a line being written is incomplete
                        runs.add(new Run(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3])));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        runs.sort(Comparator.comparingLong(Run::tick));
        return runs;
    }

    private Process startReplicaProcess(String replica, Path runLog) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), LeasedReplicaApp.class.getName(), replica, redis.uri(),
                runLog.toString());
        pb.redirectErrorStream(true);
        // kept after the test (target/), for a look at a replica that did not behave
        Path out = Path.of("target", "leased-scheduling-it-replica-" + replica + ".log");
        pb.redirectOutput(out.toFile());
        return pb.start();
    }

    /** SIGSTOP / SIGCONT to a process this test started (there is no Java API for them). */
    private static void signal(Process p, String signal) throws Exception {
        if (!p.isAlive()) {
            return;
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -%s %d", signal, p.pid()).isZero();
    }
}
