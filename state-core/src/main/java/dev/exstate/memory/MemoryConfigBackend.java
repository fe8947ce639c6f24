package dev.exstate.memory;

import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.spi.ConfigBackend;
import java.util.function.Consumer;

/**
 * The feed of one in-memory config source ("replica") over a {@link ConfigTable}: the table's
 * current state at start, so the source is loaded at once unless the validator refuses it, then
 * every change of the table, synchronously and in revision order.
 */
final class MemoryConfigBackend implements ConfigBackend {
    private final ConfigTable table;
    private volatile Consumer<ConfigSnapshot> subscriber;

    MemoryConfigBackend(ConfigTable table) {
        this.table = table;
    }

    @Override
    public String backendName() {
        return "memory";
    }

    @Override
    public String describe() {
        return "the in-memory backend";
    }

    @Override
    public void start(Sink sink) {
        Consumer<ConfigSnapshot> s = sink::offer;
        subscriber = s;
        table.subscribe(s);
    }

    @Override
    public void close() {
        Consumer<ConfigSnapshot> s = subscriber;
        if (s != null) {
            table.unsubscribe(s);
        }
    }
}
