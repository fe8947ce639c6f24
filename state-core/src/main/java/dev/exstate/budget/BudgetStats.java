package dev.exstate.budget;

import java.time.Duration;

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
 * @param provableFor  how long {@code poolSize} stays covered by permits if no renewal succeeds from now:
 *                     the local deadline of the {@code poolSize}-th longest-lived permit; zero when
 *                     {@code poolSize} is 0 or no longer covered (the pool then opens no connection)
 */
public record BudgetStats(String resource, int connections, int liveReplicas, int share, int permits, int poolSize,
                          Duration provableFor) {
}
