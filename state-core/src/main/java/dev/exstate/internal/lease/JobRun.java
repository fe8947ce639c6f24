package dev.exstate.internal.lease;

import dev.exstate.lease.JobContext;
import dev.exstate.lease.Lease;
import java.util.function.BooleanSupplier;

/** One run of a scheduled job on one thread, holding one lease. Not API. */
final class JobRun implements JobContext {
    private final String jobName;
    private final long tick;
    private final Lease lease;
    private final Thread thread;
    private final BooleanSupplier schedulerStopping;

    private volatile boolean lost;
    private volatile boolean stopRequested;
    // guarded by this: the thread is interrupted only while the job still runs on it, never the pool's next task
    private boolean finished;

    JobRun(String jobName, long tick, Lease lease, Thread thread, BooleanSupplier schedulerStopping) {
        this.jobName = jobName;
        this.tick = tick;
        this.lease = lease;
        this.thread = thread;
        this.schedulerStopping = schedulerStopping;
    }

    @Override
    public String jobName() {
        return jobName;
    }

    @Override
    public long tick() {
        return tick;
    }

    @Override
    public long fencingToken() {
        return lease.fencingToken();
    }

    @Override
    public boolean isLeaseValid() {
        return !lost && !stopRequested && !schedulerStopping.getAsBoolean() && lease.isValid();
    }

    Lease lease() {
        return lease;
    }

    boolean wasLost() {
        return lost;
    }

    /** The lease was lost: the job must stop. */
    synchronized void leaseLost() {
        lost = true;
        if (!finished) {
            thread.interrupt();
        }
    }

    /** Cancel or shutdown: the job must stop, and its lease is handed back. */
    synchronized void stop() {
        stopRequested = true;
        if (!finished) {
            thread.interrupt();
        }
    }

    /** Marks the job as returned; true if a stop was requested before that. */
    synchronized boolean finish() {
        finished = true;
        return stopRequested;
    }

    @Override
    public String toString() {
        return "JobRun[" + jobName + ", tick=" + tick + ", token=" + lease.fencingToken() + "]";
    }
}
