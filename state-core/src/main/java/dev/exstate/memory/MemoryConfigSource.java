package dev.exstate.memory;

import dev.exstate.config.ConfigListener;
import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.spi.ConfigPublisher;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * In-memory {@link ConfigSource}: one "replica" over a {@link ConfigTable}. The table's current
 * state is offered at construction, so the source is loaded at once unless the validator refuses
 * it; every later change of the table is offered synchronously, listeners hear of it on the
 * publisher's delivery thread.
 */
final class MemoryConfigSource implements ConfigSource {
    private final ConfigTable table;
    private final ConfigPublisher publisher;
    private final Consumer<ConfigSnapshot> subscriber;
    private final AtomicBoolean closed = new AtomicBoolean();

    MemoryConfigSource(ConfigTable table, ConfigValidator validator, StateClock clock) {
        this.table = table;
        this.publisher = new ConfigPublisher("memory", validator, clock);
        this.subscriber = publisher::offer;
        table.subscribe(subscriber);
    }

    @Override
    public ConfigSnapshot current() {
        return publisher.current().orElseThrow(() -> new ConfigNotLoadedException(
                "no config snapshot loaded from the in-memory backend: the validator rejected every snapshot so far"
                        + publisher.lastRejection().map(r -> " (last: revision " + r.revision() + ")").orElse("")));
    }

    @Override
    public boolean isLoaded() {
        return publisher.current().isPresent();
    }

    @Override
    public AutoCloseable subscribe(ConfigListener listener) {
        return publisher.subscribe(listener);
    }

    @Override
    public Optional<ConfigRejection> lastRejection() {
        return publisher.lastRejection();
    }

    @Override
    public BackendHealth health() {
        return publisher.health();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            table.unsubscribe(subscriber);
            publisher.close();
        }
    }

    @Override
    public String toString() {
        return "MemoryConfigSource[" + publisher + "]";
    }
}
