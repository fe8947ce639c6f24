package dev.exstate.spring.boot.scheduling;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.shedlock.ExstateLockProvider;
import dev.exstate.spring.boot.ExstateAutoConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;

/**
 * ShedLock on exstate leases: an {@link ExstateLockProvider} over the {@link LeaseProvider} bean
 * when {@code state-shedlock} is on the class path and the application defines no ShedLock
 * {@link LockProvider}. Locks are the leases {@code shedlock:<name>}, on the lease backend
 * ({@code exstate.leases.backend}).
 */
@AutoConfiguration(after = ExstateAutoConfiguration.class)
@ConditionalOnClass({ExstateLockProvider.class, LockProvider.class})
public class ExstateShedLockAutoConfiguration {

    @Bean(destroyMethod = "close")
    @Lazy
    @ConditionalOnMissingBean(LockProvider.class)
    @ConditionalOnBean(LeaseProvider.class)
    public ExstateLockProvider exstateLockProvider(LeaseProvider leases) {
        return new ExstateLockProvider(leases);
    }
}
