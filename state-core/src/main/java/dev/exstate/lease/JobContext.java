package dev.exstate.lease;

/** What a {@link LeasedJob} knows about the run it is in. */
public interface JobContext {

    /** The job's name as scheduled. */
    String jobName();

    /**
     * The tick being run: for fixed-rate jobs {@code epochMillis / period}, the same number on
     * every replica; for cron jobs the fire time in epoch milliseconds, also the same everywhere;
     * for fixed-delay jobs a counter local to this replica.
     */
    long tick();

    /** Fencing token of the lease held for this run; pass it to whatever the job writes. */
    long fencingToken();

    /** False once the lease was lost (or the scheduler is shutting down): stop work. */
    boolean isLeaseValid();
}
