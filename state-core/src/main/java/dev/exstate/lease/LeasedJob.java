package dev.exstate.lease;

/**
 * Work that must run on one replica only per tick. Called with the job's lease held, never once
 * it is lost; when the lease is lost mid-run the running thread is interrupted and
 * {@link JobContext#isLeaseValid()} turns false: stop, and do not write with the old fencing
 * token.
 */
@FunctionalInterface
public interface LeasedJob {
    void run(JobContext context) throws Exception;
}
