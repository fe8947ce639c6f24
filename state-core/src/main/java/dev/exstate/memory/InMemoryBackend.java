package dev.exstate.memory;

import dev.exstate.blob.BlobStore;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.spi.PublishingConfigSource;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.time.StateClock;
import java.util.Map;
import java.util.Objects;

/**
 * An in-process stand-in for the state services: sessions, config, leases and blobs held in
 * memory of this JVM. Providers created from one {@code InMemoryBackend} share its data, exactly
 * as replicas share a Redis: two {@link #sessionStore} calls give two "replicas" of a store.
 *
 * <p>This is the embedded default for local runs and demos, and the reference implementation
 * that the testkit's contract suites are written against. It is thread-safe and enforces the
 * same rules as the remote providers (TTLs by the injected {@link StateClock}, limits, fencing
 * tokens, conditional puts). It is not durable and not shared across processes.
 */
public final class InMemoryBackend {
    private final StateClock clock;
    private final SessionTable sessions;
    private final ConfigTable config;
    private final LeaseTable leases;
    private final BlobTable blobs;

    private InMemoryBackend(StateClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sessions = new SessionTable(clock);
        this.config = new ConfigTable();
        this.leases = new LeaseTable(clock);
        this.blobs = new BlobTable(clock);
    }

    /** A backend on the system clock. */
    public static InMemoryBackend create() {
        return new InMemoryBackend(StateClock.system());
    }

    /** A backend whose expiries follow {@code clock} (a manual clock in tests). */
    public static InMemoryBackend create(StateClock clock) {
        return new InMemoryBackend(clock);
    }

    public StateClock clock() {
        return clock;
    }

    /** A session store over this backend's sessions (one "replica"). */
    public SessionStore sessionStore(SessionOptions options) {
        return new MemorySessionStore(sessions, options, clock);
    }

    /** A config source over this backend's config; the first snapshot is loaded at once. */
    public ConfigSource configSource(ConfigValidator validator) {
        return new PublishingConfigSource(new MemoryConfigBackend(config), validator, clock);
    }

    /** A lease provider over this backend's leases (one "replica"). */
    public LeaseProvider leaseProvider() {
        return MemoryLeaseBackend.provider(leases, clock);
    }

    /** A blob store over this backend's blobs. */
    public BlobStore blobStore() {
        return new MemoryBlobStore(blobs, clock);
    }

    /** Admin: sets one config key; one new revision. */
    public void putConfig(String key, String value) {
        config.putAll(Map.of(key, value));
    }

    /** Admin: sets several config keys in one revision. */
    public void putConfig(Map<String, String> values) {
        config.putAll(values);
    }

    /** Admin: deletes a config key; one new revision if it existed. */
    public void deleteConfig(String key) {
        config.delete(key);
    }
}
