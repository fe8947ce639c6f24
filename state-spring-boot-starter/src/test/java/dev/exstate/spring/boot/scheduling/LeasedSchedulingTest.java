package dev.exstate.spring.boot.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.JobContext;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.spring.boot.ExstateAutoConfiguration;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * {@link Leased} {@code @Scheduled} methods in two application contexts ("replicas") whose
 * {@link LeasedScheduler} beans share one in-memory lease backend and one manual clock: ticks move
 * only when the test advances the clock, so which ticks exist is decided by the test, never by how
 * promptly a thread runs. Spring's own scheduler runs on real time beside it.
 */
@DisplayName("@Leased @Scheduled methods")
class LeasedSchedulingTest {
    private static final Instant START = Instant.parse("2026-01-05T08:00:00.050Z");

    private final ManualClock clock = new ManualClock(START);
    private final InMemoryBackend backend = InMemoryBackend.create(clock);
    private final Recorder recorder = new Recorder();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10));
    }

    /** One replica: its own LeasedScheduler over the shared backend, the test's clock. */
    private ApplicationContextRunner replica(String name, Class<?> jobs) {
        Supplier<LeasedScheduler> scheduler = () -> {
            LeaseProvider leases = backend.leaseProvider();
            LeasedScheduler s = LeasedScheduler.builder(leases).clock(clock).shutdownGrace(Duration.ofSeconds(5)).build();
            closeAfter.add(leases);
            closeAfter.add(s);
            return s;
        };
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class,
                        ExstateSchedulingAutoConfiguration.class))
                .withPropertyValues("exstate.app-name=shop", "replica=" + name)
                .withBean(LeasedScheduler.class, scheduler)
                .withBean(Recorder.class, () -> recorder)
                .withUserConfiguration(jobs);
    }

    @Test
    @DisplayName("a fixedRate method runs each tick (epochMillis / period) on exactly one of two replicas, with rising tokens, and never from Spring's scheduler")
    void fixedRateRunsOncePerTickAcrossReplicas() {
        replica("a", RateJobs.class).run(a -> replica("b", RateJobs.class).run(b -> {
            assertThat(a).hasNotFailed();
            assertThat(b).hasNotFailed();
            long first = START.toEpochMilli() / 100;
            eventually().until(() -> recorder.byTick.containsKey(first));
            for (int i = 1; i <= 5; i++) {
                clock.advance(Duration.ofMillis(100));
                long tick = first + i;
                eventually().until(() -> recorder.byTick.containsKey(tick));
            }
            // Spring's scheduler, on real time, would have called the no-argument method many times by now
            eventually().until(() -> recorder.plainRuns.get() >= 3);
            assertThat(recorder.unleasedCalls).isEmpty();
            assertThat(recorder.byTick.keySet()).containsExactlyInAnyOrder(first, first + 1, first + 2, first + 3,
                    first + 4, first + 5);
            assertThat(recorder.byTick.values()).allSatisfy(runs -> assertThat(runs).hasSize(1));
            List<Long> tokens = recorder.byTick.keySet().stream().sorted()
                    .map(t -> recorder.byTick.get(t).get(0).token()).toList();
            assertThat(tokens).isSorted().doesNotHaveDuplicates();
            assertThat(recorder.byTick.values()).allSatisfy(runs -> assertThat(runs.get(0).job()).isEqualTo("rate"));
            // the runs count in the scheduler beans' stats
            long completed = a.getBean(LeasedScheduler.class).stats().runsCompleted()
                    + b.getBean(LeasedScheduler.class).stats().runsCompleted();
            assertThat(completed).isGreaterThanOrEqualTo(6);
        }));
    }

    @Test
    @DisplayName("a Spring cron with seconds runs at its fire times, the tick being the fire time's epoch millis, on one replica each")
    void springCronWithSeconds() {
        replica("a", CronJobs.class).run(a -> replica("b", CronJobs.class).run(b -> {
            assertThat(a).hasNotFailed();
            // '*/10 * * * * *': 08:00:00 was 50 ms before the start, so it is still run
            List<Long> expected = new ArrayList<>();
            for (int i = 0; i <= 3; i++) {
                long fire = Instant.parse("2026-01-05T08:00:00Z").plusSeconds(10L * i).toEpochMilli();
                expected.add(fire);
                if (i > 0) {
                    clock.advance(Duration.ofSeconds(10));
                }
                eventually().until(() -> recorder.byTick.containsKey(fire));
            }
            assertThat(recorder.byTick.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(recorder.byTick.values()).allSatisfy(runs -> assertThat(runs).hasSize(1));
            assertThat(recorder.byTick.values()).allSatisfy(runs -> assertThat(runs.get(0).job())
                    .isEqualTo(CronJobs.class.getName() + "#report"));
        }));
    }

    @Test
    @DisplayName("the JobContext parameter and LeasedRun.current() give the run's tick and fencing token; nothing outside a run")
    void fencingTokenInsideTheMethod() {
        replica("a", RateJobs.class).run(a -> {
            eventually().until(() -> !recorder.byTick.isEmpty());
            Run run = recorder.byTick.values().iterator().next().get(0);
            assertThat(run.currentToken()).isEqualTo(run.token());
            assertThat(run.token()).isPositive();
            assertThat(LeasedRun.current()).isEmpty();
        });
    }

    @Test
    @DisplayName("without @EnableScheduling a @Leased method is not run, as Spring runs no @Scheduled method then")
    void nothingWithoutEnableScheduling() {
        replica("a", UnscheduledJobs.class).run(a -> {
            assertThat(a).hasNotFailed();
            clock.advance(Duration.ofSeconds(1));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(60)).until(recorder.byTick::isEmpty);
            assertThat(a.getBean(LeasedScheduler.class).stats().runsCompleted()).isZero();
        });
    }

    record Run(String replica, String job, long tick, long token, long currentToken) {
    }

    static final class Recorder {
        final Map<Long, List<Run>> byTick = new ConcurrentHashMap<>();
        final List<String> unleasedCalls = new CopyOnWriteArrayList<>();
        final AtomicInteger plainRuns = new AtomicInteger();

        void record(String replica, JobContext ctx) {
            long current = LeasedRun.current().map(JobContext::fencingToken).orElse(-1L);
            byTick.computeIfAbsent(ctx.tick(), t -> new CopyOnWriteArrayList<>())
                    .add(new Run(replica, ctx.jobName(), ctx.tick(), ctx.fencingToken(), current));
        }
    }

    static class RateJob {
        private final Recorder recorder;
        private final String replica;

        RateJob(Recorder recorder, String replica) {
            this.recorder = recorder;
            this.replica = replica;
        }

        @Scheduled(fixedRate = 100)
        @Leased(name = "rate")
        public void rate(JobContext ctx) {
            recorder.record(replica, ctx);
        }

        /** Spring's scheduler would call this at once and every 50 ms: it must not. */
        @Scheduled(fixedRate = 50)
        @Leased(name = "no-arg")
        public void noArg() {
            if (LeasedRun.current().isEmpty()) {
                recorder.unleasedCalls.add(replica);
            }
        }

        @Scheduled(fixedRate = 50)
        public void plain() {
            recorder.plainRuns.incrementAndGet();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    static class RateJobs {
        @Bean
        RateJob rateJob(Recorder recorder, org.springframework.core.env.Environment env) {
            return new RateJob(recorder, env.getProperty("replica"));
        }
    }

    @EnableScheduling
    static class CronJobs {
        private final Recorder recorder;
        private final String replica;

        CronJobs(Recorder recorder, org.springframework.core.env.Environment env) {
            this.recorder = recorder;
            this.replica = env.getProperty("replica");
        }

        @Scheduled(cron = "*/10 * * * * *", zone = "UTC")
        @Leased
        public void report() {
            recorder.record(replica, LeasedRun.current().orElseThrow());
        }
    }

    static class UnscheduledJobs {
        @Bean
        RateJob rateJob(Recorder recorder) {
            return new RateJob(recorder, "a");
        }
    }
}
