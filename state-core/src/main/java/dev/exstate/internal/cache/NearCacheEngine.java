package dev.exstate.internal.cache;

import dev.exstate.cache.NearCacheStats;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/** Implementation of {@link dev.exstate.cache.NearCache}. Not API. */
public final class NearCacheEngine<K, V> {
    private final String name;

    public NearCacheEngine(String name, long maximumSize, Duration expireAfterWrite, StateClock clock) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Keeps the subscription handle so it can be closed with the cache. */
    public void attach(AutoCloseable subscription) {
    }

    public Optional<V> getIfPresent(K key) {
        throw new UnsupportedOperationException("TODO");
    }

    public V get(K key, Function<? super K, ? extends V> loader) {
        throw new UnsupportedOperationException("TODO");
    }

    public long beginLoad(K key) {
        throw new UnsupportedOperationException("TODO");
    }

    public void putIfCurrent(K key, V value, long token) {
        throw new UnsupportedOperationException("TODO");
    }

    public void put(K key, V value) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<V> getStale(K key, Duration maxStaleness) {
        throw new UnsupportedOperationException("TODO");
    }

    public void invalidate(K key) {
        throw new UnsupportedOperationException("TODO");
    }

    public void invalidateAll() {
        throw new UnsupportedOperationException("TODO");
    }

    public void disconnected() {
        throw new UnsupportedOperationException("TODO");
    }

    public void reconnected() {
        throw new UnsupportedOperationException("TODO");
    }

    public NearCacheStats stats() {
        throw new UnsupportedOperationException("TODO");
    }
}
