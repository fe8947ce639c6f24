package dev.exstate.spring.boot;

import dev.exstate.blob.BlobStore;
import dev.exstate.config.ConfigSource;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionStore;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.ExstateShutdown;
import dev.exstate.spring.boot.internal.RuntimeFactory;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;

/**
 * The {@link StateRuntime} of this service, built from {@code exstate.*} and the backends the
 * backend auto-configurations found (Redis: sessions and leases; etcd: config and leases; S3 or a
 * shared directory: blobs; {@code exstate.leases.backend} chooses between Redis and etcd). A capability without a
 * backend is kept in memory, listed in readiness and warned about on first use; with
 * {@code exstate.require-shared-backends} start-up fails instead. {@link StateRuntimeCustomizer}
 * beans adjust the builder last.
 *
 * <p>Beans, each unless the application defines one of that type: the runtime, and, taken from it,
 * {@link SessionStore}, {@link ConfigSource}, {@link LeaseProvider}, {@link LeasedScheduler} and
 * {@link BlobStore}. These five are lazy, so a capability nobody injects is never created (and an
 * unused in-memory one never warns); the runtime owns and closes them. Two lifecycle beans make
 * shutdown fit Boot's graceful shutdown: readiness turns false before the web server stops taking
 * requests, and the runtime closes after it has finished them.
 */
@AutoConfiguration
@EnableConfigurationProperties(ExstateProperties.class)
public class ExstateAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public StateRuntime exstateRuntime(ExstateProperties properties, Environment environment,
                                       ObjectProvider<ExstateBackend> backends,
                                       ObjectProvider<StateRuntimeCustomizer> customizers) {
        return RuntimeFactory.create(properties, environment, backends.orderedStream().toList(),
                customizers.orderedStream().toList());
    }

    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnMissingBean
    public SessionStore exstateSessionStore(StateRuntime runtime) {
        return runtime.sessions();
    }

    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnMissingBean
    public ConfigSource exstateConfigSource(StateRuntime runtime) {
        return runtime.config();
    }

    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnMissingBean
    public LeaseProvider exstateLeaseProvider(StateRuntime runtime) {
        return runtime.leases();
    }

    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnMissingBean
    public LeasedScheduler exstateScheduler(StateRuntime runtime) {
        return runtime.scheduler();
    }

    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnMissingBean
    public BlobStore exstateBlobStore(StateRuntime runtime) {
        return runtime.blobs();
    }

    /** Shutdown step 1: readiness off before Boot's graceful shutdown of the web server. */
    @Bean
    public SmartLifecycle exstateDrainOnShutdown(StateRuntime runtime) {
        return ExstateShutdown.drain(runtime);
    }

    /** Shutdown step 2: the runtime and the backends' clients closed after the web server has stopped. */
    @Bean
    public SmartLifecycle exstateCloseOnShutdown(StateRuntime runtime, ObjectProvider<ExstateBackend> backends) {
        return ExstateShutdown.close(runtime, () -> List.copyOf(backends.orderedStream().toList()));
    }
}
