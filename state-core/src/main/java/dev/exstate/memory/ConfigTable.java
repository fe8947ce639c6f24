package dev.exstate.memory;

import dev.exstate.config.ConfigSnapshot;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The config data of an {@link InMemoryBackend}: key/values plus a revision counter that starts
 * at 0 and grows by one with every write that changes something. Subscribers (the config
 * sources over this table) are told about every change synchronously, under the table's lock,
 * so they see revisions in order. Thread-safe.
 */
final class ConfigTable {
    private final Object lock = new Object();
    private final TreeMap<String, String> values = new TreeMap<>(); // guarded by lock
    private final CopyOnWriteArrayList<Consumer<ConfigSnapshot>> subscribers = new CopyOnWriteArrayList<>();
    private long revision; // guarded by lock
    private ConfigSnapshot snapshot = ConfigSnapshot.empty(); // guarded by lock

    ConfigTable() {
    }

    /** Sets all {@code values} in one revision; no new revision if nothing changes. */
    void putAll(Map<String, String> changes) {
        Objects.requireNonNull(changes, "values");
        changes.forEach((k, v) -> {
            if (k == null || k.isBlank()) {
                throw new IllegalArgumentException("config key must not be blank");
            }
            Objects.requireNonNull(v, () -> "value of config key '" + k + "'");
        });
        synchronized (lock) {
            boolean changed = false;
            for (Map.Entry<String, String> e : changes.entrySet()) {
                changed |= !e.getValue().equals(values.put(e.getKey(), e.getValue()));
            }
            if (changed) {
                publish();
            }
        }
    }

    /** Removes {@code key}; one new revision if it existed. */
    void delete(String key) {
        synchronized (lock) {
            if (values.remove(key) != null) {
                publish();
            }
        }
    }

    /** The table as it is now. */
    ConfigSnapshot snapshot() {
        synchronized (lock) {
            return snapshot;
        }
    }

    /**
     * Calls {@code subscriber} at once with the current snapshot, then after every change, in
     * revision order. No change can slip between the first call and the registration.
     */
    void subscribe(Consumer<ConfigSnapshot> subscriber) {
        synchronized (lock) {
            subscriber.accept(snapshot);
            subscribers.add(subscriber);
        }
    }

    void unsubscribe(Consumer<ConfigSnapshot> subscriber) {
        subscribers.remove(subscriber);
    }

    private void publish() {
        revision++;
        snapshot = new ConfigSnapshot(revision, values);
        for (Consumer<ConfigSnapshot> s : subscribers) {
            s.accept(snapshot);
        }
    }
}
