package dev.exstate.cache;

/**
 * SPI for providers: a feed of invalidations from a backend (Redis client tracking, pub/sub,
 * an etcd watch). A {@link NearCache} built with a source subscribes to it.
 *
 * @param <K> cache key type
 */
public interface InvalidationSource<K> {

    /**
     * Starts delivering to {@code listener}. The source must call
     * {@link InvalidationListener#disconnected()} as soon as it suspects the feed is broken, and
     * {@link InvalidationListener#reconnected()} once it is re-established. A source that can
     * prove delivery (a heartbeat answered in order behind the invalidations) reports it through
     * {@link InvalidationListener#heardFrom}, at once on subscribe if it is connected, then at
     * least once per heartbeat; a cache with a heartbeat window depends on it.
     *
     * @return a handle that stops delivery when closed
     */
    AutoCloseable subscribe(InvalidationListener<K> listener);
}
