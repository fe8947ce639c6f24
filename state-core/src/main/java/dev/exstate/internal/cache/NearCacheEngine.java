package dev.exstate.internal.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.exstate.cache.NearCacheStats;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Implementation of {@link dev.exstate.cache.NearCache}. Not API.
 *
 * <p>The load/invalidate race is closed with invalidation ticks. Every invalidation takes the next
 * tick from one counter: {@code invalidate(key)} records it in the key's stripe (1024 stripes, so
 * memory stays bounded whatever the key space); {@code invalidateAll}, {@code disconnected} and
 * {@code reconnected} record it globally. A load token is the counter's value when the load
 * began; the loaded value is cached only if neither its stripe nor the global tick moved past the
 * token. A key-stripe collision can only make the cache skip caching a value, never keep a stale
 * one.
 *
 * <p>Atomicity: the check and the write happen inside Caffeine's per-key {@code compute}, which
 * serialises with the per-key removal that {@code invalidate} does after recording its tick; the
 * global operations take a write lock that puts-after-load hold for reading, so a check can never
 * slip between the tick and the clear.
 *
 * <p>Caffeine runs its maintenance on the calling thread (no ForkJoinPool), and its ticker is the
 * {@link StateClock}, so tests can expire entries by moving the clock.
 */
public final class NearCacheEngine<K, V> {
    private static final Logger log = LoggerFactory.getLogger(NearCacheEngine.class);
    private static final int STRIPES = 1024;

    private final String name;
    private final StateClock clock;
    private final Cache<K, Entry<V>> cache;

    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLongArray keyTicks = new AtomicLongArray(STRIPES);
    private volatile long globalTick;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private volatile boolean connected = true;
    private volatile long disconnectedAtNanos;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder staleServed = new LongAdder();
    private final LongAdder invalidations = new LongAdder();

    private volatile AutoCloseable subscription;

    public NearCacheEngine(String name, long maximumSize, Duration expireAfterWrite, StateClock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(expireAfterWrite)
                .ticker(clock::nanoTime)
                .executor(Runnable::run)
                .<K, Entry<V>>build();
    }

    /** A cached value and when it was known to be current (StateClock nanos). */
    private record Entry<V>(V value, long loadedAtNanos) {
    }

    public String name() {
        return name;
    }

    /** Keeps the subscription handle so it can be closed with the cache. */
    public void attach(AutoCloseable subscription) {
        this.subscription = subscription;
    }

    /** Stops the invalidation feed, if any. The cache stays usable but is no longer kept honest. */
    public void close() {
        AutoCloseable s = subscription;
        subscription = null;
        if (s != null) {
            try {
                s.close();
            } catch (Exception e) {
                log.warn("near cache {}: closing the invalidation subscription failed: {}", name, e.toString());
            }
        }
    }

    public Optional<V> getIfPresent(K key) {
        Objects.requireNonNull(key, "key");
        if (connected) {
            Entry<V> e = cache.getIfPresent(key);
            if (e != null) {
                hits.increment();
                return Optional.of(e.value());
            }
        }
        misses.increment();
        return Optional.empty();
    }

    public V get(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        if (connected) {
            Entry<V> e = cache.getIfPresent(key);
            if (e != null) {
                hits.increment();
                return e.value();
            }
        }
        misses.increment();
        // No single-flight through Caffeine's compute: it would hold the key's lock during the
        // remote read and make invalidate() (called from a client's I/O thread) wait for it.
        long token = beginLoad(key);
        V value = loader.apply(key);
        if (value != null) {
            putIfCurrent(key, value, token);
        }
        return value;
    }

    public long beginLoad(K key) {
        Objects.requireNonNull(key, "key");
        return ticks.get();
    }

    public void putIfCurrent(K key, V value, long token) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        lock.readLock().lock();
        try {
            if (!isCurrent(key, token)) {
                return;
            }
            Entry<V> entry = new Entry<>(value, clock.nanoTime());
            cache.asMap().compute(key, (k, old) -> isCurrent(k, token) ? entry : old);
        } finally {
            lock.readLock().unlock();
        }
    }

    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        cache.put(key, new Entry<>(value, clock.nanoTime()));
    }

    public Optional<V> getStale(K key, Duration maxStaleness) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        Entry<V> e = cache.getIfPresent(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!connected) {
            long since = e.loadedAtNanos() - disconnectedAtNanos > 0 ? e.loadedAtNanos() : disconnectedAtNanos;
            long staleness = clock.nanoTime() - since;
            if (staleness > maxStaleness.toNanos()) {
                return Optional.empty();
            }
        }
        staleServed.increment();
        return Optional.of(e.value());
    }

    public void invalidate(K key) {
        Objects.requireNonNull(key, "key");
        // Tick first, then remove: a put that checked before the tick is removed here (the removal
        // waits for its compute), a put that checks after the tick sees it and does not write.
        keyTicks.accumulateAndGet(stripe(key), ticks.incrementAndGet(), Math::max);
        cache.invalidate(key);
        invalidations.increment();
    }

    public void invalidateAll() {
        clearAll(null);
        invalidations.increment();
    }

    public void disconnected() {
        lock.writeLock().lock();
        try {
            // Loads in flight may have missed invalidations: none of them may be cached.
            globalTick = ticks.incrementAndGet();
            if (connected) {
                disconnectedAtNanos = clock.nanoTime();
                connected = false;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    public void reconnected() {
        clearAll(Boolean.TRUE);
        invalidations.increment();
    }

    private void clearAll(Boolean connectedAfter) {
        lock.writeLock().lock();
        try {
            globalTick = ticks.incrementAndGet();
            cache.invalidateAll();
            if (connectedAfter != null) {
                connected = connectedAfter;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    public NearCacheStats stats() {
        cache.cleanUp();
        return new NearCacheStats(hits.sum(), misses.sum(), staleServed.sum(), invalidations.sum(),
                cache.estimatedSize(), connected);
    }

    private boolean isCurrent(K key, long token) {
        return globalTick <= token && keyTicks.get(stripe(key)) <= token;
    }

    private static int stripe(Object key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        return h & (STRIPES - 1);
    }
}
