package dev.exstate.lease;

/** A job registered with a {@link LeasedScheduler}. */
public interface ScheduledJob {

    String name();

    /** Stops future runs on this replica; a run in progress is interrupted. Idempotent. */
    void cancel();

    /** Runs completed on this replica (not counting ticks another replica ran). */
    long completedRuns();

    /**
     * Tries on which this replica did not run the job: another replica held the lease or had
     * already claimed the tick, or the lease ran out before the job could start.
     */
    long skippedTicks();
}
