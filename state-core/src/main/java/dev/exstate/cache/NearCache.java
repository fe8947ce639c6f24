package dev.exstate.cache;

import dev.exstate.internal.Check;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A bounded local cache of remote values (Caffeine), kept honest by backend invalidation.
 *
 * <p>What a user can rely on:
 * <ul>
 *   <li>size is bounded by {@code maximumSize}; entries also expire {@code expireAfterWrite}
 *       after loading, as a safety net should an invalidation be lost;</li>
 *   <li>a value loaded before an invalidation of its key is never cached after it (the
 *       load/invalidate race is closed);</li>
 *   <li>a value is served as fresh ({@link #getIfPresent}, {@link #get}) only if it was cached
 *       while the invalidation channel has been connected without a break, and, with a
 *       {@linkplain Builder#heartbeatWindow heartbeat window}, only while the channel has proven
 *       delivery ({@link #heardFrom}) up to at most that window ago. So a value served as fresh
 *       reflects every change the backend made until one window before the read;</li>
 *   <li>after a disconnect and a reconnect, values cached before are unverified: never served
 *       as fresh, a read goes to the backend and replaces them; until then they remain available
 *       through {@link #getStale} within a caller-given bound (for example while the backend
 *       still fails right after it came back);</li>
 *   <li>staleness of a value = time since it was last known to be current: zero while it is
 *       fresh, otherwise {@code now - max(cachedAt, lastVerified)}, where lastVerified is the last
 *       heartbeat of the connection it was cached on (without heartbeats: the end of that
 *       connection).</li>
 * </ul>
 * Thread-safe.
 *
 * @param <K> key type
 * @param <V> value type; values should be immutable
 */
public final class NearCache<K, V> implements InvalidationListener<K> {
    private final dev.exstate.internal.cache.NearCacheEngine<K, V> engine;

    private NearCache(dev.exstate.internal.cache.NearCacheEngine<K, V> engine) {
        this.engine = engine;
    }

    public static <K, V> Builder<K, V> builder(String name) {
        return new Builder<>(name);
    }

    /** Name given at build time (for metrics and logs). */
    public String name() {
        return engine.name();
    }

    /** The fresh value, if cached and verified (see above). Counts a hit or a miss. */
    public Optional<V> getIfPresent(K key) {
        return engine.getIfPresent(key);
    }

    /**
     * As {@link #getIfPresent}, for hot paths: {@code null} when there is no fresh value, judged
     * at {@code nowNanos}, the caller's reading of this cache's clock ({@link Builder#clock}), so
     * a caller that needs the time anyway reads the clock once.
     */
    public V getIfFresh(K key, long nowNanos) {
        return engine.getIfFresh(key, nowNanos);
    }

    /**
     * The fresh value, or {@code loader.apply(key)} cached for next time (unless its key was
     * invalidated while loading, or the loader returned {@code null}, meaning absent).
     * Exceptions from the loader propagate and nothing is cached.
     */
    public V get(K key, Function<? super K, ? extends V> loader) {
        return engine.get(key, loader);
    }

    /**
     * A token to pass to {@link #putIfCurrent} after loading {@code key} outside {@link #get}:
     * take it <em>before</em> the remote read starts.
     */
    public long beginLoad(K key) {
        return engine.beginLoad(key);
    }

    /** Caches {@code value} unless {@code key} was invalidated (or the cache cleared) since {@code token}. */
    public void putIfCurrent(K key, V value, long token) {
        engine.putIfCurrent(key, value, token);
    }

    /**
     * For a writer that knows what its write left in the backend: caches {@code value} unless
     * {@code key} was invalidated (or the cache cleared) since {@code token}, taken with
     * {@link #beginLoad} <em>before</em> the write was sent; otherwise drops the key. Either way,
     * loads and writes of {@code key} that began before this call can no longer cache their value
     * (it may be older). The invalidation source must not deliver the writer's own write as an
     * invalidation after this call, or the entry is simply dropped again.
     */
    public void putAfterWrite(K key, V value, long token) {
        engine.putAfterWrite(key, value, token);
    }

    /**
     * For a writer whose write's outcome is unknown (it failed or timed out, and may still be
     * applied) and whose invalidation source does not report its own writes: the cached value is
     * no longer served as fresh, but stays available to {@link #getStale}, counted as last known
     * current at {@code sinceNanos} (this cache's clock, read before the write was sent).
     */
    public void demote(K key, long sinceNanos) {
        engine.demote(key, sinceNanos);
    }

    /** Caches a value this replica just wrote (write-through). */
    public void put(K key, V value) {
        engine.put(key, value);
    }

    /**
     * The cached value if it is at most {@code maxStaleness} stale, counted as stale-served;
     * used by {@code Fallback.staleFrom} when the backend fails.
     */
    public Optional<V> getStale(K key, Duration maxStaleness) {
        return engine.getStale(key, maxStaleness);
    }

    @Override
    public void invalidate(K key) {
        engine.invalidate(key);
    }

    @Override
    public void invalidateAll() {
        engine.invalidateAll();
    }

    @Override
    public void disconnected() {
        engine.disconnected();
    }

    @Override
    public void reconnected() {
        engine.reconnected();
    }

    @Override
    public void heardFrom(Duration ago) {
        engine.heardFrom(ago);
    }

    public NearCacheStats stats() {
        return engine.stats();
    }

    @Override
    public String toString() {
        return "NearCache[" + name() + "]";
    }

    /**
     * Builder for {@link NearCache}. Defaults: 10,000 entries, expire 10 min after write, system
     * clock, no heartbeat window.
     */
    public static final class Builder<K, V> {
        private final String name;
        private long maximumSize = 10_000;
        private Duration expireAfterWrite = Duration.ofMinutes(10);
        private StateClock clock = StateClock.system();
        private InvalidationSource<K> source;
        private Duration heartbeatWindow;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder<K, V> maximumSize(long v) {
            this.maximumSize = Check.valid(v, v >= 0, () -> "maximumSize must be >= 0, was " + v);
            return this;
        }

        public Builder<K, V> expireAfterWrite(Duration v) {
            this.expireAfterWrite = Check.valid(v, v != null && !v.isNegative() && !v.isZero(),
                    () -> "expireAfterWrite must be positive, was " + v);
            return this;
        }

        public Builder<K, V> clock(StateClock v) {
            this.clock = Objects.requireNonNull(v, "clock");
            return this;
        }

        /** Subscribes the cache to {@code source} at build time. */
        public Builder<K, V> invalidationSource(InvalidationSource<K> v) {
            this.source = Objects.requireNonNull(v, "source");
            return this;
        }

        /**
         * Serve values as fresh only while the invalidation source has proven delivery
         * ({@link InvalidationListener#heardFrom}) up to at most {@code window} ago; outside it
         * every value counts as unverified and reads go to the backend. This bounds how old a
         * value served as fresh can be when the channel is slow or silently broken. Needs a source
         * that heartbeats; without this setting values are fresh while the source is connected.
         */
        public Builder<K, V> heartbeatWindow(Duration window) {
            this.heartbeatWindow = Check.valid(window, window != null && !window.isNegative() && !window.isZero(),
                    () -> "heartbeatWindow must be positive, was " + window);
            return this;
        }

        public NearCache<K, V> build() {
            if (heartbeatWindow != null && source == null) {
                throw new IllegalStateException("heartbeatWindow(" + heartbeatWindow + ") needs an invalidationSource "
                        + "that heartbeats; without one nothing would ever be fresh");
            }
            var engine = new dev.exstate.internal.cache.NearCacheEngine<K, V>(name, maximumSize, expireAfterWrite, clock,
                    heartbeatWindow);
            NearCache<K, V> cache = new NearCache<>(engine);
            if (source != null) {
                engine.attach(source.subscribe(cache));
            }
            return cache;
        }
    }
}
