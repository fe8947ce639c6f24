package dev.exstate.guard;

/**
 * Counters of one {@link Guard} since it was created. A snapshot: values do not change after
 * it is returned.
 *
 * @param calls        calls started (one per {@code call}, not per attempt)
 * @param successes    calls that returned a value from the backend
 * @param failures     calls that failed with a backend failure (before fallback)
 * @param timeouts     attempts that ran out of time (the per-attempt or the total timeout)
 * @param rejected     calls refused by an open breaker or a full bulkhead
 * @param retries      extra attempts made for idempotent operations
 * @param fallbacks    failed calls answered by a fallback (default value or stale cache entry)
 * @param breakerState the breaker's state name: CLOSED, OPEN, HALF_OPEN
 * @param hedges       second attempts sent for slow reads (see {@link GuardPolicy.Builder#hedgeAfter})
 * @param hedgeWins    hedged reads that the second attempt answered
 */
public record GuardStats(long calls, long successes, long failures, long timeouts, long rejected,
                         long retries, long fallbacks, String breakerState, long hedges, long hedgeWins) {
}
