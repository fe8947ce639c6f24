package dev.exstate.internal.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.exstate.cache.NearCacheStats;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.Map;
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
 * <p>Verification: every entry remembers the {@link Epoch} it was cached in. An epoch is one
 * stretch of time during which the invalidation channel stayed connected (or stayed disconnected);
 * {@code disconnected} and {@code reconnected} start a new one. Only entries of the current,
 * connected epoch can be fresh, because only for them does the channel promise to deliver every
 * invalidation; entries of earlier epochs are unverified: kept, but served only by
 * {@code getStale}, until a read replaces them. With a heartbeat window, an entry of the current
 * epoch is fresh only while the source reported ({@code heardFrom}) that it had delivered
 * everything up to at most the window ago.
 *
 * <p>Staleness of an entry that is not fresh is the time since it was last known current: the
 * later of when it was cached and when its epoch was last verified (its last heartbeat, or without
 * heartbeats the moment its epoch ended). Entries cached while disconnected are known current only
 * as of their caching.
 *
 * <p>Atomicity: the check and the write happen inside Caffeine's per-key {@code compute}, which
 * serialises with the per-key removal that {@code invalidate} does after recording its tick; the
 * global operations take a write lock that puts-after-load hold for reading, so a check can never
 * slip between the tick and the epoch change or clear.
 *
 * <p>Caffeine runs its maintenance on the calling thread (no ForkJoinPool), and its ticker is the
 * {@link StateClock}, so tests can expire entries by moving the clock.
 */
public final class NearCacheEngine<K, V> {
    private static final Logger log = LoggerFactory.getLogger(NearCacheEngine.class);
    private static final int STRIPES = 1024;
    private static final long NEVER = Long.MIN_VALUE;

    private final String name;
    private final StateClock clock;
    private final Cache<K, Entry<V>> cache;
    private final long expireAfterWriteNanos;
    // 0: the source does not heartbeat, entries of the current epoch are fresh while connected
    private final long heartbeatWindowNanos;

    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLongArray keyTicks = new AtomicLongArray(STRIPES);
    private volatile long globalTick;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    // written under the write lock
    private volatile Epoch epoch;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder staleServed = new LongAdder();
    private final LongAdder invalidations = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    private volatile AutoCloseable subscription;

    public NearCacheEngine(String name, long maximumSize, Duration expireAfterWrite, StateClock clock) {
        this(name, maximumSize, expireAfterWrite, clock, null);
    }

    /**
     * @param heartbeatWindow with a source that heartbeats: how long after the last delivery it
     *                        reported entries stay fresh; {@code null} if the source does not heartbeat
     */
    public NearCacheEngine(String name, long maximumSize, Duration expireAfterWrite, StateClock clock, Duration heartbeatWindow) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.heartbeatWindowNanos = heartbeatWindow == null ? 0 : heartbeatWindow.toNanos();
        this.expireAfterWriteNanos = expireAfterWrite.toNanos();
        // Expiry is checked here, with the one clock reading a hit needs anyway: Caffeine's own
        // expireAfterWrite would read the ticker again on every hit. An expired entry is never
        // served; it is replaced by the next load, evicted by the size bound, or dropped by stats().
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .executor(Runnable::run)
                // the size bound, never an invalidation (that is an explicit removal)
                .<K, Entry<V>>evictionListener((key, entry, cause) -> evictions.increment())
                .build();
        // with heartbeats nothing is fresh until the source first reports a delivery
        this.epoch = new Epoch(true, NEVER);
    }

    /** One stretch of connected (or disconnected) time of the invalidation channel. */
    private static final class Epoch {
        final boolean connected;
        /**
         * StateClock nanos up to which every invalidation for this epoch's entries is known to
         * have been applied, or {@link #NEVER}. Without heartbeats, set when a connected epoch ends.
         */
        final AtomicLong verifiedAtNanos;

        Epoch(boolean connected, long verifiedAtNanos) {
            this.connected = connected;
            this.verifiedAtNanos = new AtomicLong(verifiedAtNanos);
        }
    }

    /** A cached value, when it was cached (StateClock nanos) and in which epoch. */
    private record Entry<V>(V value, long cachedAtNanos, Epoch epoch) {
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
        return Optional.ofNullable(getIfFresh(key, clock.nanoTime()));
    }

    /** The fresh value or null, judged at {@code nowNanos} (a reading of this cache's clock). */
    public V getIfFresh(K key, long nowNanos) {
        Objects.requireNonNull(key, "key");
        Entry<V> e = cache.getIfPresent(key);
        if (e != null && isFresh(e, nowNanos)) {
            hits.increment();
            return e.value();
        }
        misses.increment();
        return null;
    }

    public V get(K key, Function<? super K, ? extends V> loader) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(loader, "loader");
        Entry<V> e = cache.getIfPresent(key);
        if (e != null && isFresh(e, clock.nanoTime())) {
            hits.increment();
            return e.value();
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
            Entry<V> entry = new Entry<>(value, clock.nanoTime(), epoch);
            cache.asMap().compute(key, (k, old) -> isCurrent(k, token) ? entry : old);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * After this replica wrote {@code key} and knows the value it left there: caches
     * {@code value} unless the key was invalidated since {@code token} (taken before the write was
     * sent). Either way no load or write that began before this call can cache its value any more:
     * it may hold an older one.
     */
    public void putAfterWrite(K key, V value, long token) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        lock.readLock().lock();
        try {
            Entry<V> entry = new Entry<>(value, clock.nanoTime(), epoch);
            cache.asMap().compute(key, (k, old) -> {
                boolean current = isCurrent(k, token);
                keyTicks.accumulateAndGet(stripe(k), ticks.incrementAndGet(), Math::max);
                return current ? entry : null;
            });
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The backend may have changed {@code key} without telling this cache (this replica's write
     * whose outcome is unknown): its value is no longer served as fresh, but stays available to
     * {@code getStale}, counted as last known current at {@code sinceNanos}; loads that began
     * before cannot cache their value.
     */
    public void demote(K key, long sinceNanos) {
        Objects.requireNonNull(key, "key");
        lock.readLock().lock();
        try {
            keyTicks.accumulateAndGet(stripe(key), ticks.incrementAndGet(), Math::max);
            Epoch unverified = new Epoch(false, sinceNanos);
            cache.asMap().computeIfPresent(key, (k, e) -> new Entry<>(e.value(), e.cachedAtNanos(), unverified));
        } finally {
            lock.readLock().unlock();
        }
    }

    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        // no lock: an epoch change racing with this put can only leave the entry in an epoch that
        // is not current, which makes it unverified, never wrongly fresh
        cache.put(key, new Entry<>(value, clock.nanoTime(), epoch));
    }

    public Optional<V> getStale(K key, Duration maxStaleness) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        Entry<V> e = cache.getIfPresent(key);
        if (e == null) {
            return Optional.empty();
        }
        long now = clock.nanoTime();
        if (expired(e, now)) {
            return Optional.empty();
        }
        if (!isFresh(e, now)) {
            long known = e.cachedAtNanos();
            long verified = e.epoch().verifiedAtNanos.get();
            if (verified != NEVER && verified - known > 0) {
                known = verified;
            }
            if (now - known > maxStaleness.toNanos()) {
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
        lock.writeLock().lock();
        try {
            globalTick = ticks.incrementAndGet();
            cache.invalidateAll();
        } finally {
            lock.writeLock().unlock();
        }
        invalidations.increment();
    }

    public void disconnected() {
        lock.writeLock().lock();
        try {
            // Loads in flight may have missed invalidations: none of them may be cached.
            if (endEpoch()) {
                epoch = new Epoch(false, NEVER);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    public void reconnected() {
        lock.writeLock().lock();
        try {
            // Loads in flight began before the channel was back: they may have missed invalidations.
            endEpoch();
            // Everything cached so far belongs to an earlier epoch now: unverified until re-read.
            // The new epoch holds nothing yet, so it is verified as of now.
            epoch = new Epoch(true, heartbeatWindowNanos == 0 ? NEVER : clock.nanoTime());
        } finally {
            lock.writeLock().unlock();
        }
    }

    public void heardFrom(Duration ago) {
        Objects.requireNonNull(ago, "ago");
        if (ago.isNegative()) {
            throw new IllegalArgumentException("ago must not be negative, was " + ago);
        }
        long at = clock.nanoTime() - ago.toNanos();
        lock.readLock().lock();
        try {
            Epoch current = epoch;
            if (current.connected) {
                current.verifiedAtNanos.accumulateAndGet(at, NearCacheEngine::later);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Under the write lock, when the channel drops or comes back: no load in flight may be cached,
     * and a connected epoch ends. Returns whether the epoch was connected.
     */
    private boolean endEpoch() {
        globalTick = ticks.incrementAndGet();
        Epoch current = epoch;
        if (current.connected) {
            endConnected(current);
        }
        return current.connected;
    }

    /** Without heartbeats a connected epoch was verified until it ended; with them, until its last one. */
    private void endConnected(Epoch ending) {
        if (heartbeatWindowNanos == 0) {
            ending.verifiedAtNanos.set(clock.nanoTime());
        }
    }

    public NearCacheStats stats() {
        cache.cleanUp();
        removeExpired();
        Epoch current = epoch;
        return new NearCacheStats(hits.sum(), misses.sum(), staleServed.sum(), invalidations.sum(), evictions.sum(),
                cache.estimatedSize(), current.connected, isVerified(current, clock.nanoTime()));
    }

    private boolean isFresh(Entry<V> e, long now) {
        Epoch current = epoch;
        return e.epoch() == current && !expired(e, now) && isVerified(current, now);
    }

    /** Drops expired entries (a hit never serves them; this frees their memory and counts them). */
    private void removeExpired() {
        long now = clock.nanoTime();
        for (Map.Entry<K, Entry<V>> e : cache.asMap().entrySet()) {
            if (expired(e.getValue(), now) && cache.asMap().remove(e.getKey(), e.getValue())) {
                evictions.increment();
            }
        }
    }

    private boolean expired(Entry<V> e, long now) {
        return now - e.cachedAtNanos() >= expireAfterWriteNanos;
    }

    private boolean isVerified(Epoch current, long now) {
        if (!current.connected) {
            return false;
        }
        if (heartbeatWindowNanos == 0) {
            return true;
        }
        long verified = current.verifiedAtNanos.get();
        return verified != NEVER && now - verified <= heartbeatWindowNanos;
    }

    private static long later(long a, long b) {
        if (a == NEVER) {
            return b;
        }
        return b - a > 0 ? b : a;
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
