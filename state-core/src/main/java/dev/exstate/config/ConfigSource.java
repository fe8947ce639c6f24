package dev.exstate.config;

import dev.exstate.health.HealthIndicator;
import java.util.Optional;

/**
 * Live application config from outside the process: a change in the backend reaches every
 * replica without a redeploy.
 *
 * <p>What a user can rely on (checked by the testkit's {@code ConfigSourceContract}):
 * <ul>
 *   <li>{@link #current()} is the last snapshot that passed the validator, never a rejected one;</li>
 *   <li>listeners see each accepted change once, in increasing revision order;</li>
 *   <li>after a backend restart or compaction the source re-reads and delivers the current state,
 *       so the final value is never missed;</li>
 *   <li>{@link #health()} is DOWN until the first snapshot is loaded.</li>
 * </ul>
 * Thread-safe.
 */
public interface ConfigSource extends HealthIndicator, AutoCloseable {

    /**
     * The config in force.
     *
     * @throws ConfigNotLoadedException if no snapshot has been loaded yet
     */
    ConfigSnapshot current();

    /** True once a first snapshot passed validation. */
    boolean isLoaded();

    /**
     * Registers a listener for future changes. It is not called for the current snapshot; read
     * {@link #current()} first.
     *
     * @return a handle whose {@code close()} unregisters the listener
     */
    AutoCloseable subscribe(ConfigListener listener);

    /** The most recent snapshot the validator refused, if any since start. */
    Optional<ConfigRejection> lastRejection();

    /**
     * How many snapshots were refused since start (by the validator, or reported unusable by the
     * backend); never decreases, and a revision refused again (re-read after a reconnect) counts
     * once. Every exstate source counts each refused revision; this default, for
     * sources that keep no count, says only whether there was one (1) or none (0).
     */
    default long rejectedSnapshots() {
        return lastRejection().isPresent() ? 1 : 0;
    }

    /** Stops watching and releases resources. Idempotent. */
    @Override
    void close();
}
