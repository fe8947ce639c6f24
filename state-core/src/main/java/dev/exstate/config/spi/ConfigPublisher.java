package dev.exstate.config.spi;

import dev.exstate.config.ConfigListener;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigValidator;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import java.util.Optional;

/**
 * SPI for providers: the part of a {@link dev.exstate.config.ConfigSource} that is the same for
 * every backend. A provider reads snapshots from its backend and {@link #offer}s them; the
 * publisher validates, keeps the last good snapshot, ignores revisions not newer than the
 * current one (so a re-read after reconnect never delivers twice), and tells listeners in
 * revision order on one delivery thread.
 */
public final class ConfigPublisher implements AutoCloseable {

    public ConfigPublisher(String component, ConfigValidator validator, StateClock clock) {
    }

    /**
     * Offers a full snapshot read from the backend.
     *
     * @return true if accepted as the new current snapshot; false if rejected by the validator
     *         (recorded as the last rejection) or not newer than the current revision
     */
    public boolean offer(ConfigSnapshot snapshot) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<ConfigSnapshot> current() {
        throw new UnsupportedOperationException("TODO");
    }

    public AutoCloseable subscribe(ConfigListener listener) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<ConfigRejection> lastRejection() {
        throw new UnsupportedOperationException("TODO");
    }

    /** DOWN until the first snapshot is accepted, then UP. */
    public BackendHealth health() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Stops the delivery thread after delivering what was accepted. */
    @Override
    public void close() {
    }
}
