package dev.exstate.lease;

/**
 * Counters of one {@link LeasedScheduler} on this replica since it was built, over all its jobs
 * (cancelled ones included). A snapshot: values do not change after it is returned. Each try of a
 * tick ends in exactly one of {@code runsCompleted}, {@code runsFailed}, {@code ticksSkipped} and
 * {@code claimFailures}, unless the job was cancelled or the scheduler closed meanwhile.
 *
 * @param runsCompleted runs of a job on this replica that returned normally
 * @param runsFailed    runs that threw, including runs interrupted after their lease was lost
 * @param ticksSkipped  tries on which this replica did not run the job: another replica held the
 *                      lease or had already claimed the tick (the normal case on all replicas but
 *                      one), or the lease was lost or expired before the job could start
 * @param claimFailures tries whose lease request failed (the lease backend unavailable or erring):
 *                      the tick was not run here and, unless another replica ran it, not at all
 * @param leasesLost    runs whose lease was lost while the job ran (the job was interrupted)
 * @param leasesHeld    jobs running on this replica now, each holding its job's lease
 */
public record SchedulerStats(long runsCompleted, long runsFailed, long ticksSkipped, long claimFailures, long leasesLost,
                             int leasesHeld) {
}
