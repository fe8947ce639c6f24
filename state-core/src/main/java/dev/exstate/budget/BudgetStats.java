package dev.exstate.budget;

/**
 * A snapshot of one replica's view of a {@link ConnectionBudget}.
 *
 * @param resource     the budget's resource name
 * @param connections  the cluster-wide limit
 * @param liveReplicas replicas this replica saw holding a membership at its last poll (0 before the first)
 * @param share        the share this replica aims for: {@code connections / liveReplicas}, plus one
 *                     for the lowest-ranked {@code connections % liveReplicas} replicas
 * @param permits      permits this replica holds now
 * @param poolSize     the size last applied to the pool (never more than the permits it provably holds)
 */
public record BudgetStats(String resource, int connections, int liveReplicas, int share, int permits, int poolSize) {
}
