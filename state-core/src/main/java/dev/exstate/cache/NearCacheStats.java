package dev.exstate.cache;

/**
 * Counters of one {@link NearCache}. A snapshot.
 *
 * @param hits          fresh values served
 * @param misses        lookups that had to go to the backend
 * @param staleServed   stale values served as a fallback while the backend failed
 * @param invalidations keys dropped because the backend said they changed (clears count once)
 * @param size          entries currently held (approximate)
 * @param connected     whether the invalidation channel is up (always true without a source)
 */
public record NearCacheStats(long hits, long misses, long staleServed, long invalidations, long size, boolean connected) {
}
