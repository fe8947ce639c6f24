package dev.exstate.lease;

/** A job registered with a {@link LeasedScheduler}. */
public interface ScheduledJob {

    String name();

    /** Stops future runs on this replica; a run in progress is interrupted. Idempotent. */
    void cancel();

    /** Runs completed on this replica (not counting ticks another replica ran). */
    long completedRuns();

    /** Ticks this replica skipped because another replica held the lease. */
    long skippedTicks();
}
