package dev.exstate.memory;

import dev.exstate.config.ConfigListener;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import java.util.Optional;

/** In-memory {@link ConfigSource}. TODO */
final class MemoryConfigSource implements ConfigSource {
    MemoryConfigSource(ConfigTable table, ConfigValidator validator, StateClock clock) {
    }

    @Override public ConfigSnapshot current() { throw new UnsupportedOperationException("TODO"); }
    @Override public boolean isLoaded() { throw new UnsupportedOperationException("TODO"); }
    @Override public AutoCloseable subscribe(ConfigListener listener) { throw new UnsupportedOperationException("TODO"); }
    @Override public Optional<ConfigRejection> lastRejection() { throw new UnsupportedOperationException("TODO"); }
    @Override public BackendHealth health() { throw new UnsupportedOperationException("TODO"); }
    @Override public void close() { }
}
