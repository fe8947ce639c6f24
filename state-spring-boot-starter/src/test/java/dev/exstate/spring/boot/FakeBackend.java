package dev.exstate.spring.boot;

import dev.exstate.blob.BlobStore;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.runtime.ProviderFactory;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.spring.boot.internal.ExstateBackend;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A backend contribution over an in-memory backend, standing in for Redis, etcd or S3 in unit
 * tests: it offers what the real one offers and records what the runtime asked it for.
 */
final class FakeBackend implements ExstateBackend {
    final InMemoryBackend memory = InMemoryBackend.create();
    final String name;
    final String guardName;
    final GuardPolicy defaultPolicy;
    final AtomicBoolean closed = new AtomicBoolean();
    volatile SessionOptions sessionOptions;
    volatile int leaseFactoriesUsed;

    private FakeBackend(String name, String guardName, GuardPolicy defaultPolicy) {
        this.name = name;
        this.guardName = guardName;
        this.defaultPolicy = defaultPolicy;
    }

    static FakeBackend redis() {
        return new FakeBackend("redis", "redis", GuardPolicy.defaults());
    }

    static FakeBackend etcd() {
        return new FakeBackend("etcd", "etcd", GuardPolicy.defaults());
    }

    static FakeBackend s3(String guardName, GuardPolicy defaultPolicy) {
        return new FakeBackend("s3", guardName, defaultPolicy);
    }

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
        return defaultPolicy;
    }

    @Override
    public ProviderFactory<? extends SessionStore> sessions(SessionOptions options) {
        if (!name.equals("redis")) {
            return null;
        }
        return ctx -> {
            sessionOptions = options;
            return memory.sessionStore(options);
        };
    }

    @Override
    public ProviderFactory<? extends LeaseProvider> leases() {
        if (name.equals("s3")) {
            return null;
        }
        return ctx -> {
            leaseFactoriesUsed++;
            return memory.leaseProvider();
        };
    }

    @Override
    public ProviderFactory<? extends ConfigSource> config() {
        return name.equals("etcd") ? ctx -> memory.configSource(ConfigValidator.acceptAll()) : null;
    }

    @Override
    public ProviderFactory<? extends BlobStore> blobs() {
        return name.equals("s3") ? ctx -> memory.blobStore() : null;
    }

    @Override
    public void close() {
        closed.set(true);
    }

    @Override
    public String toString() {
        return "fake " + name;
    }
}
