package dev.exstate.spring.boot.internal;

import dev.exstate.blob.BlobStore;
import dev.exstate.config.ConfigSource;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.runtime.ProviderFactory;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;

/**
 * What one configured backend offers the runtime: a bean per backend, made by that backend's
 * auto-configuration, so the runtime's auto-configuration never names a provider class (and loads
 * without the provider modules). A capability the backend does not offer returns null.
 * {@link #close()} releases what the backend opened (its client), after the runtime has closed.
 */
public interface ExstateBackend extends AutoCloseable {

    /** {@code redis}, {@code etcd}, {@code s3} or {@code filesystem}: the property group, as in {@code exstate.guard.<name>}. */
    String name();

    /** Name of the backend's guard in the runtime. */
    default String guardName() {
        return name();
    }

    /** The policy the backend's guard has unless {@code exstate.guard.<name>.*} changes it. */
    default GuardPolicy defaultGuardPolicy() {
        return GuardPolicy.defaults();
    }

    default ProviderFactory<? extends SessionStore> sessions(SessionOptions options) {
        return null;
    }

    default ProviderFactory<? extends LeaseProvider> leases() {
        return null;
    }

    default ProviderFactory<? extends ConfigSource> config() {
        return null;
    }

    default ProviderFactory<? extends BlobStore> blobs() {
        return null;
    }

    @Override
    default void close() {
    }

    /**
     * A backend that offers only blobs and opens no client of its own (the store's factory does):
     * S3 and the shared directory.
     */
    static ExstateBackend blobsOnly(String name, String guardName, GuardPolicy defaultGuardPolicy,
                                    ProviderFactory<? extends BlobStore> blobs, String description) {
        return new ExstateBackend() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String guardName() {
                return guardName;
            }

            @Override
            public GuardPolicy defaultGuardPolicy() {
                return defaultGuardPolicy;
            }

            @Override
            public ProviderFactory<? extends BlobStore> blobs() {
                return blobs;
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }
}
