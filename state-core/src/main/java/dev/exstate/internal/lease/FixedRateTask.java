package dev.exstate.internal.lease;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeasedJob;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A fixed-rate job: tick {@code k} covers wall-clock millis {@code [k*period, (k+1)*period)}, the
 * same on every replica. Each replica tries the lease {@code <prefix><name>@<k>} with a TTL of one
 * period, taken at or after the tick's start, so it lives at least until the tick ends; a
 * completed tick's lease is left to expire, so no replica can run that tick again. Not API.
 */
final class FixedRateTask extends JobTask {
    private final long periodMillis;
    private final LeaseOptions options;
    // touched only by the one firing in progress; the executor's hand-over orders successive firings
    private long nextTick;

    FixedRateTask(SchedulerEngine engine, String name, Duration period, LeasedJob job) {
        super(engine, name, job);
        this.periodMillis = period.toMillis();
        this.options = LeaseOptions.of(Duration.ofMillis(periodMillis));
    }

    @Override
    void start() {
        // the current tick first: if another replica already ran it, its lease says so
        nextTick = Math.floorDiv(nowMillis(), periodMillis);
        scheduleIn(0);
    }

    @Override
    void fire() {
        long firedAt = nowMillis();
        if (firedAt < nextTick * periodMillis) {
            // fired before the tick began (timer and wall clock drift apart): a lease taken now would
            // expire before the tick ends, letting a late replica run the tick again
            scheduleIn(TimeUnit.MILLISECONDS.toNanos(nextTick * periodMillis - firedAt));
            return;
        }
        long tick = Math.floorDiv(firedAt, periodMillis);
        try {
            Lease lease = tryLease(engine.prefix() + name + "@" + tick, options, tick);
            if (lease != null) {
                if (runHolding(lease, tick) == Outcome.STOPPED) {
                    lease.release();
                } else {
                    leaveToExpire(lease, false);
                }
            }
        } finally {
            long now = nowMillis();
            // after a run longer than a period, the ticks it overlapped are left to other replicas
            nextTick = Math.max(tick + 1, Math.floorDiv(now, periodMillis));
            scheduleIn(TimeUnit.MILLISECONDS.toNanos(nextTick * periodMillis - now));
        }
    }

    private long nowMillis() {
        return engine.clock().now().toEpochMilli();
    }
}
