package dev.exstate.runtime;

import dev.exstate.blob.BlobStore;
import dev.exstate.config.ConfigSource;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.health.Health;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.session.SessionStore;
import dev.exstate.time.StateClock;

/**
 * The one object a service owns for all its external state: it builds the providers, shares one
 * {@link Guard} per backend between them, exposes {@link #health()} and shuts everything down in
 * the right order.
 *
 * <p>{@link #close()} (call it from a SIGTERM hook, or use {@link Builder#registerShutdownHook()})
 * first turns readiness false, then stops the scheduler (interrupting jobs after its grace
 * period), then releases leases, then closes session store, blob store and config source
 * (flushing what they buffer), then the guards. It is idempotent.
 *
 * <p>Providers not configured default to an {@link dev.exstate.memory.InMemoryBackend}
 * shared by this runtime, so a service runs locally with no infrastructure.
 */
public final class StateRuntime implements AutoCloseable {

    private StateRuntime() {
    }

    public static Builder builder(String appName) {
        return new Builder(appName);
    }

    public String appName() { throw new UnsupportedOperationException("TODO"); }

    public SessionStore sessions() { throw new UnsupportedOperationException("TODO"); }

    public ConfigSource config() { throw new UnsupportedOperationException("TODO"); }

    public LeaseProvider leases() { throw new UnsupportedOperationException("TODO"); }

    public BlobStore blobs() { throw new UnsupportedOperationException("TODO"); }

    /** The scheduler over {@link #leases()}, created on first use. */
    public LeasedScheduler scheduler() { throw new UnsupportedOperationException("TODO"); }

    public Health health() { throw new UnsupportedOperationException("TODO"); }

    /** The shared guard of {@code backend}, as providers see it. */
    public Guard guard(String backend) { throw new UnsupportedOperationException("TODO"); }

    @Override
    public void close() {
    }

    /** Builder for {@link StateRuntime}. */
    public static final class Builder {
        private Builder(String appName) {
        }

        public Builder clock(StateClock clock) { throw new UnsupportedOperationException("TODO"); }

        /** The policy of {@code backend}'s guard; backends not named get {@link GuardPolicy#defaults()}. */
        public Builder guardPolicy(String backend, GuardPolicy policy) { throw new UnsupportedOperationException("TODO"); }

        public Builder sessions(ProviderFactory<? extends SessionStore> factory) { throw new UnsupportedOperationException("TODO"); }

        public Builder config(ProviderFactory<? extends ConfigSource> factory) { throw new UnsupportedOperationException("TODO"); }

        public Builder leases(ProviderFactory<? extends LeaseProvider> factory) { throw new UnsupportedOperationException("TODO"); }

        public Builder blobs(ProviderFactory<? extends BlobStore> factory) { throw new UnsupportedOperationException("TODO"); }

        /** Uses {@code backend} for every capability not configured otherwise (default: a new one). */
        public Builder inMemory(dev.exstate.memory.InMemoryBackend backend) { throw new UnsupportedOperationException("TODO"); }

        /** Closes the runtime on JVM shutdown (SIGTERM). */
        public Builder registerShutdownHook() { throw new UnsupportedOperationException("TODO"); }

        public StateRuntime build() { throw new UnsupportedOperationException("TODO"); }
    }
}
