package dev.exstate.cache;

/**
 * Counters of one {@link NearCache}. A snapshot.
 *
 * @param hits          fresh values served
 * @param misses        lookups that had to go to the backend (absent, or cached but not verified)
 * @param staleServed   stale values served as a fallback while the backend failed
 * @param invalidations keys dropped because the backend said they changed (clears count once)
 * @param evictions     entries dropped to stay within the maximum size, or because they expired
 * @param size          entries currently held, verified or not (approximate)
 * @param connected     whether the invalidation channel is up (always true without a source)
 * @param verified      whether entries cached on the current connection are served as fresh now:
 *                      connected and, with a heartbeat window, heard from within it
 */
public record NearCacheStats(long hits, long misses, long staleServed, long invalidations, long evictions, long size,
                             boolean connected, boolean verified) {
}
