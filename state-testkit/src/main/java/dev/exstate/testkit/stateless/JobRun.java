package dev.exstate.testkit.stateless;

import java.util.Objects;

/**
 * One run of a scheduled job on one replica, as a {@link Replica} reports it to the
 * {@link StatelessnessCheck}.
 *
 * @param job  the job's name as scheduled
 * @param tick the tick (or period) the run belongs to: a number every replica computes the same
 *             way for the same period, e.g. {@code epochMillis / period} or
 *             {@link dev.exstate.lease.JobContext#tick()}
 */
public record JobRun(String job, long tick) {
    public JobRun {
        Objects.requireNonNull(job, "job");
    }

    @Override
    public String toString() {
        return job + "#" + tick;
    }
}
