package dev.exstate.internal.lease;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeasedJob;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A fixed-rate job: tick {@code k} covers wall-clock millis {@code [k*period, (k+1)*period)}, the
 * same on every replica. At each tick every replica asks to claim tick {@code k} of the lease
 * {@code <prefix><name>} ({@link dev.exstate.lease.LeaseProvider#tryClaimTick}); the backend
 * grants it only if nobody holds the lease and its record of the last claimed tick is below
 * {@code k}, advancing the record in the same atomic step. So a tick runs at most once however
 * late a stalled replica asks, and no timing (TTL, clocks, pauses) is part of that promise. The
 * lease is held, and renewed, while the job runs, then released: the record, not the lease's
 * remaining life, keeps the tick from running again. Not API.
 */
final class FixedRateTask extends JobTask {
    private final long periodMillis;
    private final LeaseOptions options;
    private final String leaseName;
    // touched only by the one firing in progress; the executor's hand-over orders successive firings
    private long nextTick;

    FixedRateTask(SchedulerEngine engine, String name, Duration period, LeasedJob job) {
        super(engine, name, job);
        this.periodMillis = period.toMillis();
        this.options = engine.fixedRateLease();
        this.leaseName = engine.prefix() + name;
    }

    @Override
    void start() {
        // the current tick first: if another replica already ran it, the backend's record says so
        nextTick = Math.floorDiv(nowMillis(), periodMillis);
        scheduleIn(0);
    }

    @Override
    void fire() {
        long firedAt = nowMillis();
        long tick = Math.floorDiv(firedAt, periodMillis);
        if (tick < nextTick) {
            // the timer fired before the tick began (timer and wall clock drift apart): wait for it
            scheduleIn(TimeUnit.MILLISECONDS.toNanos(nextTick * periodMillis - firedAt));
            return;
        }
        try {
            Lease lease = tryLease(leaseName, tick, () -> engine.leases().tryClaimTick(leaseName, tick, options));
            if (lease != null) {
                try {
                    runHolding(lease, tick);
                } finally {
                    // whatever the outcome the tick is used up; the lease is not needed to keep it so
                    lease.release();
                }
            }
        } finally {
            long now = nowMillis();
            // a tick that began during the run is skipped here: other replicas were refused it while the lease was held
            // (or run it now), and a run started that late would crowd the next one
            nextTick = Math.max(tick, Math.floorDiv(now, periodMillis)) + 1;
            scheduleIn(TimeUnit.MILLISECONDS.toNanos(nextTick * periodMillis - now));
        }
    }

    private long nowMillis() {
        return engine.clock().now().toEpochMilli();
    }
}
