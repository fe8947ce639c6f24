package dev.exstate.cache;

/**
 * Receives what an {@link InvalidationSource} learns from the backend. Implemented by
 * {@link NearCache}; providers call it. Methods must be cheap and thread-safe.
 *
 * @param <K> cache key type
 */
public interface InvalidationListener<K> {

    /** The backend says {@code key} changed: drop it. */
    void invalidate(K key);

    /** The backend says anything may have changed (e.g. tracking flushed): drop everything. */
    void invalidateAll();

    /**
     * The invalidation channel is down: from now on cached values may be stale. They are no
     * longer served as fresh, only as stale-if-error within the staleness bound.
     */
    void disconnected();

    /**
     * The channel is back. Everything cached is dropped (invalidations may have been missed
     * while disconnected) and fresh serving resumes.
     */
    void reconnected();
}
