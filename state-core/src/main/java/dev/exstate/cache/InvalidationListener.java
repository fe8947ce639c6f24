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
     * The channel is back. Values cached before are kept but unverified (invalidations may have
     * been missed, and the backend may no longer track them): never served as fresh again, only
     * as stale-if-error within the staleness bound, until a read replaces them. Values cached
     * from now on are served as fresh.
     */
    void reconnected();

    /**
     * The channel proved it is delivering: every invalidation the backend issued until
     * {@code ago} before now has been delivered to this listener (for example: a PING sent
     * {@code ago} ago on the invalidation connection was answered, and replies come in order).
     * A cache built with a heartbeat window serves values as fresh only while this keeps coming.
     * The default does nothing, for listeners that do not need it.
     *
     * @param ago how long ago the proven point is; not negative
     */
    default void heardFrom(java.time.Duration ago) {
    }
}
