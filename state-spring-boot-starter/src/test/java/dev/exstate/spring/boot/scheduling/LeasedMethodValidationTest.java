package dev.exstate.spring.boot.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.lease.JobContext;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.spring.boot.ExstateAutoConfiguration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/** What a {@link Leased} method may be: every refusal fails start-up with a message naming the method. */
@DisplayName("@Leased methods refused at start-up")
class LeasedMethodValidationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class, ExstateSchedulingAutoConfiguration.class))
            .withPropertyValues("exstate.app-name=shop", "jobs.name=from-property");

    private String failure(Class<?> jobs) {
        String[] message = new String[1];
        runner.withUserConfiguration(jobs).run((AssertableApplicationContext ctx) -> {
            assertThat(ctx).hasFailed();
            Throwable t = ctx.getStartupFailure();
            StringBuilder all = new StringBuilder();
            for (; t != null; t = t.getCause()) {
                all.append(t.getMessage()).append('\n');
            }
            message[0] = all.toString();
        });
        return message[0];
    }

    @Test
    @DisplayName("initialDelay: ticks are aligned to the epoch")
    void initialDelay() {
        assertThat(failure(InitialDelay.class)).contains(InitialDelay.class.getName() + "#run", "initialDelay");
    }

    @Test
    @DisplayName("a parameter other than one JobContext")
    void parameters() {
        assertThat(failure(BadParameter.class)).contains(BadParameter.class.getName() + "#run", "JobContext");
    }

    @Test
    @DisplayName("an asynchronous result, or @Async: the lease would be released while the work runs")
    void asynchronous() {
        assertThat(failure(AsyncResult.class)).contains(AsyncResult.class.getName() + "#run", "CompletableFuture");
        assertThat(failure(AsyncAnnotated.class)).contains(AsyncAnnotated.class.getName() + "#run", "@Async");
    }

    @Test
    @DisplayName("two methods with one job name (placeholders resolved)")
    void duplicateNames() {
        assertThat(failure(SameName.class)).contains("same job name 'from-property'", SameName.class.getName() + "#one",
                SameName.class.getName() + "#two");
    }

    @Test
    @DisplayName("a cron expression Spring cannot parse, and a job name that is no lease name")
    void badCronAndName() {
        assertThat(failure(BadCron.class)).contains(BadCron.class.getName() + "#run", "'0 6 * * *'", "six fields");
        assertThat(failure(BadName.class)).contains(BadName.class.getName() + "#run", "@Leased(name");
    }

    @Test
    @DisplayName("a method Spring allows starts: cron '-' disables it, and a fixedDelay method is scheduled")
    void allowedMethodsStart() {
        runner.withUserConfiguration(Allowed.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(LeasedScheduler.class)).isNotNull();
        });
    }

    @EnableScheduling
    static class InitialDelay {
        @Scheduled(fixedRate = 1000, initialDelay = 500)
        @Leased
        public void run() {
        }
    }

    @EnableScheduling
    static class BadParameter {
        @Scheduled(fixedRate = 1000)
        @Leased
        public void run(String what) {
        }
    }

    @EnableScheduling
    static class AsyncResult {
        @Scheduled(fixedRate = 1000)
        @Leased
        public CompletableFuture<Void> run() {
            return CompletableFuture.completedFuture(null);
        }
    }

    @EnableScheduling
    static class AsyncAnnotated {
        @Scheduled(fixedRate = 1000)
        @Leased
        @Async
        public void run() {
        }
    }

    @EnableScheduling
    static class SameName {
        @Scheduled(fixedRate = 1000)
        @Leased(name = "${jobs.name}")
        public void one() {
        }

        @Scheduled(fixedRate = 2000)
        @Leased(name = "from-property")
        public void two() {
        }
    }

    @EnableScheduling
    static class BadCron {
        @Scheduled(cron = "0 6 * * *")
        @Leased
        public void run() {
        }
    }

    @EnableScheduling
    static class BadName {
        @Scheduled(fixedRate = 1000)
        @Leased(name = "bad\nname")
        public void run() {
        }
    }

    @EnableScheduling
    static class Allowed {
        @Scheduled(cron = "-")
        @Leased
        public void disabled() {
        }

        @Scheduled(fixedDelay = 60_000)
        @Leased
        public void spaced(JobContext ctx) {
        }
    }
}
