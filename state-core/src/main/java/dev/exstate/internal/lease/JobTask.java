package dev.exstate.internal.lease;

import dev.exstate.guard.StateUnavailableException;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeasedJob;
import dev.exstate.lease.ScheduledJob;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job registered with a {@link SchedulerEngine}: at most one firing at a time (each firing
 * schedules the next), so per-job state needs no lock beyond the hand-over to the timer. Not API.
 */
abstract class JobTask implements ScheduledJob {
    private static final Logger log = LoggerFactory.getLogger(JobTask.class);

    /** How a run ended, which decides what happens to its lease. */
    enum Outcome {
        /** Returned, or threw on its own. */
        DONE,
        /** Cancelled or shut down before or while running: the lease is handed back. */
        STOPPED,
        /** Never started because the lease was already lost or expired (counted as a skipped tick). */
        NOT_STARTED
    }

    final SchedulerEngine engine;
    final String name;
    private final LeasedJob job;
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean cancelled;
    private volatile JobRun current;
    private volatile boolean backendDown;
    private ScheduledFuture<?> next; // guarded by this

    JobTask(SchedulerEngine engine, String name, LeasedJob job) {
        this.engine = engine;
        this.name = name;
        this.job = job;
    }

    /** Schedules the first firing. */
    abstract void start();

    /** One firing on a timer thread: try the lease, run, schedule the next firing. */
    abstract void fire();

    @Override
    public String name() {
        return name;
    }

    @Override
    public long completedRuns() {
        return completed.get();
    }

    @Override
    public long skippedTicks() {
        return skipped.get();
    }

    @Override
    public void cancel() {
        cancelled = true;
        stopScheduling();
        JobRun run = current;
        if (run != null) {
            run.stop(); // its thread hands the lease back when the job returns
        }
        engine.forget(this);
    }

    /** No more firings; a run in progress goes on. */
    final void stopScheduling() {
        synchronized (this) {
            if (next != null) {
                next.cancel(false);
                next = null;
            }
        }
    }

    /** Shutdown after the grace period: interrupts the run in progress and hands its lease back now. */
    final void abortRun() {
        JobRun run = current;
        if (run != null) {
            run.stop();
            run.lease().release();
            log.info("job '{}' (tick {}) did not finish within the shutdown grace period: interrupted, lease released",
                    name, run.tick());
        }
    }

    final boolean stopping() {
        return cancelled || engine.isClosing();
    }

    final void scheduleIn(long delayNanos) {
        synchronized (this) {
            if (stopping()) {
                return;
            }
            try {
                next = engine.timers().schedule(this::fireSafely, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the scheduler is closing
            }
        }
    }

    private void fireSafely() {
        if (stopping()) {
            return;
        }
        try {
            fire();
        } catch (RuntimeException e) {
            // fire() reschedules itself in finally blocks; this only guards against a bug there
            log.error("job '{}': scheduler failure", name, e);
        }
    }

    /**
     * The lease for one run, or null when this replica must not run now: another replica holds it
     * or already ran the tick (counted as a skipped tick), or the lease backend failed (logged; the
     * tick is skipped). {@code request} is one lease provider call.
     */
    final Lease tryLease(String leaseName, long tick, Supplier<Optional<Lease>> request) {
        Optional<Lease> lease;
        try {
            lease = request.get();
        } catch (StateUnavailableException e) {
            engine.claimFailures.increment();
            if (!backendDown) {
                backendDown = true;
                log.warn("{}: skipping job '{}' (tick {}) because the lease backend is unavailable; skipping quietly "
                        + "until it answers again: {}", e.backend(), name, tick, e.getMessage());
            } else {
                log.debug("{}: skipping job '{}' (tick {}): {}", e.backend(), name, tick, e.getMessage());
            }
            return null;
        } catch (UnsupportedOperationException e) {
            engine.claimFailures.increment();
            // a provider without tick claims can never run this job safely: say so once instead of every tick
            log.error("job '{}' cancelled on this replica: {}", name, e.getMessage());
            cancel();
            return null;
        } catch (RuntimeException e) {
            engine.claimFailures.increment();
            log.warn("job '{}': taking lease '{}' failed; skipping tick {}", name, leaseName, tick, e);
            return null;
        }
        if (backendDown) {
            backendDown = false;
            log.info("job '{}': the lease backend answers again", name);
        }
        if (lease.isEmpty()) {
            skipped.incrementAndGet();
            engine.ticksSkipped.increment();
            return null;
        }
        return lease.get();
    }

    /**
     * Runs the job on this thread while {@code lease} is held; interrupts it if the lease is lost.
     * The job is not started at all if the lease is already lost or past its local deadline (a
     * replica that stalled after taking it): another replica may hold it by now.
     */
    final Outcome runHolding(Lease lease, long tick) {
        JobRun run = new JobRun(name, tick, lease, Thread.currentThread(), this::stopping);
        current = run;
        lease.onLost(run::leaseLost);
        boolean started = false;
        boolean returned = false;
        Throwable failure = null;
        engine.leasesHeld.incrementAndGet();
        try {
            // checked after publishing the run and registering onLost, so that a cancel() or a loss
            // either is seen here or interrupts the job
            if (!stopping() && !run.wasLost() && lease.isValid()) {
                started = true;
                job.run(run);
                returned = true;
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            engine.leasesHeld.decrementAndGet();
        }
        boolean stopRequested = run.finish();
        current = null;
        Thread.interrupted(); // an interrupt meant for the job must not hit the pool's next task
        if (!started) {
            if (stopRequested || stopping()) {
                return Outcome.STOPPED;
            }
            skipped.incrementAndGet();
            engine.ticksSkipped.increment();
            log.info("job '{}' (tick {}) not started: its lease (token {}) was lost or expired before the job could start "
                    + "(this replica stalled, or the backend is slow)", name, tick, lease.fencingToken());
            return Outcome.NOT_STARTED;
        }
        if (stopRequested) {
            return Outcome.STOPPED;
        }
        if (run.wasLost()) {
            engine.leasesLost.increment();
        }
        if (returned) {
            completed.incrementAndGet();
            engine.runsCompleted.increment();
        } else if (run.wasLost()) {
            engine.runsFailed.increment();
            log.info("job '{}' (tick {}) stopped after losing its lease: {}", name, tick, failure.toString());
        } else {
            engine.runsFailed.increment();
            log.warn("job '{}' (tick {}) failed; the schedule goes on", name, tick, failure);
        }
        if (failure instanceof VirtualMachineError fatal) {
            throw fatal;
        }
        return Outcome.DONE;
    }
}
