package dev.exstate.spring.boot.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.shedlock.ExstateLockProvider;
import dev.exstate.spring.boot.ExstateAutoConfiguration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;

/** The auto-configured ShedLock provider, and ShedLock's own {@code @SchedulerLock} running on it. */
@DisplayName("ShedLock on exstate leases (auto-configured)")
class ExstateShedLockAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class, ExstateShedLockAutoConfiguration.class))
            .withPropertyValues("exstate.app-name=shop");

    @Test
    @DisplayName("an ExstateLockProvider over the LeaseProvider bean is the LockProvider, unless the application has one")
    void providerUnlessTheApplicationHasOne() {
        runner.run(ctx -> assertThat(ctx).hasSingleBean(LockProvider.class).hasSingleBean(ExstateLockProvider.class));
        LockProvider own = configuration -> Optional.empty();
        runner.withBean(LockProvider.class, () -> own).run(ctx -> {
            assertThat(ctx).doesNotHaveBean(ExstateLockProvider.class);
            assertThat(ctx.getBean(LockProvider.class)).isSameAs(own);
        });
    }

    @Test
    @DisplayName("a @SchedulerLock method runs under an exstate lease, sees its fencing token, and is skipped while another replica holds the lock")
    void schedulerLockOnExstate() {
        runner.withUserConfiguration(LockedJobs.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            Report report = ctx.getBean(Report.class);
            report.run();
            assertThat(report.tokens()).hasSize(1);
            assertThat(report.tokens().get(0)).isPresent();

            // another replica (another provider on the same leases) holds the lock: the run is skipped
            try (ExstateLockProvider other = new ExstateLockProvider(ctx.getBean(LeaseProvider.class))) {
                SimpleLock held = other.lock(new LockConfiguration(Instant.now(), "report",
                        java.time.Duration.ofMinutes(1), java.time.Duration.ZERO)).orElseThrow();
                report.run();
                assertThat(report.tokens()).hasSize(1);
                held.unlock();
            }
            report.run();
            assertThat(report.tokens()).hasSize(2);
            assertThat(report.tokens().get(1).getAsLong()).isGreaterThan(report.tokens().get(0).getAsLong());
            assertThat(ExstateLockProvider.currentFencingToken()).isEmpty();
        });
    }

    @EnableSchedulerLock(defaultLockAtMostFor = "10m")
    static class LockedJobs {
        @Bean
        Report report() {
            return new Report();
        }
    }

    static class Report {
        private final List<OptionalLong> tokens = new CopyOnWriteArrayList<>();

        /** Through a method: the bean is a proxy, whose own fields are not the target's. */
        public List<OptionalLong> tokens() {
            return tokens;
        }

        @SchedulerLock(name = "report")
        public void run() {
            tokens.add(ExstateLockProvider.currentFencingToken());
        }
    }
}
