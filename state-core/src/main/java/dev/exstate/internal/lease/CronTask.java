package dev.exstate.internal.lease;

import dev.exstate.lease.FireTimes;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeasedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cron job (or a job of any other {@link FireTimes}): each fire time of a {@link CronSchedule} is one tick, numbered by its epoch
 * millisecond, the same on every replica. At a fire time every replica asks to claim that tick of
 * the lease {@code <prefix><name>} ({@link dev.exstate.lease.LeaseProvider#tryClaimTick}), exactly
 * as fixed-rate jobs do: the backend grants it only if nobody holds the lease and no later or
 * equal tick was claimed, so a fire time runs at most once across replicas however late a
 * stalled replica asks. Fire times only advance, so the claims do too.
 *
 * <p>A fire time is run only if this replica gets to it within {@link #LATE_LIMIT} (a pause, a
 * busy machine, a clock step); older ones are skipped and logged, never run as a backlog. Fire
 * times that pass while this replica runs the job are skipped too, as the lease kept every other
 * replica from running them, so runs never overlap. The timer never sleeps longer than
 * {@link #MAX_SLEEP} at once: the wall clock is read again at each wake-up, so a clock step (or a
 * test's manual clock) is noticed within that time. Not API.
 */
final class CronTask extends JobTask {
    private static final Logger log = LoggerFactory.getLogger(CronTask.class);
    /** How late a fire time may still be run. */
    static final Duration LATE_LIMIT = Duration.ofMinutes(1);
    /** Longest single timer sleep. */
    static final Duration MAX_SLEEP = Duration.ofSeconds(1);

    private final FireTimes schedule;
    private final LeaseOptions options;
    private final String leaseName;
    // touched only by the one firing in progress; the executor's hand-over orders successive firings
    private Instant next;

    CronTask(SchedulerEngine engine, String name, FireTimes schedule, LeasedJob job) {
        super(engine, name, job);
        this.schedule = schedule;
        this.options = engine.fixedRateLease();
        this.leaseName = engine.prefix() + name;
    }

    @Override
    void start() {
        // a fire time just past is still run here if no replica has run it (a rolling restart at that moment)
        next = schedule.next(now().minus(LATE_LIMIT)).orElse(null);
        scheduleIn(0);
    }

    @Override
    void fire() {
        Instant now = now();
        if (next == null || now.isBefore(next)) {
            waitForNext(now);
            return;
        }
        Instant fire = latestDue(now);
        if (fire == null) {
            waitForNext(now);
            return;
        }
        long tick = fire.toEpochMilli();
        boolean ran = false;
        try {
            Lease lease = tryLease(leaseName, tick, () -> engine.leases().tryClaimTick(leaseName, tick, options));
            if (lease != null) {
                ran = true;
                try {
                    runHolding(lease, tick);
                } finally {
                    // whatever the outcome the fire time is used up; the lease is not needed to keep it so
                    lease.release();
                }
            }
        } finally {
            Instant after = now();
            // after a run, the fire times that passed meanwhile are skipped: the lease kept the other replicas off them
            Instant from = ran && after.isAfter(fire) ? after : fire;
            next = schedule.next(from).orElse(null);
            waitForNext(after);
        }
    }

    /**
     * The latest fire time not after {@code now} and at most {@link #LATE_LIMIT} old, or null;
     * moves {@link #next} past the fire times it skips, and logs them.
     */
    private Instant latestDue(Instant now) {
        Instant oldest = now.minus(LATE_LIMIT);
        Instant fire = next;
        if (fire.isBefore(oldest)) {
            // jump instead of walking: a long pause may have passed many fire times
            Optional<Instant> recent = schedule.next(oldest.minusMillis(1));
            log.info("job '{}': fire times of {} from {} to {} skipped: this replica came to them more than {} s late "
                    + "(a pause, or a clock step); cron jobs never run a backlog", name, schedule, fire, oldest,
                    LATE_LIMIT.toSeconds());
            if (recent.isEmpty() || recent.get().isAfter(now)) {
                next = recent.orElse(null);
                return null;
            }
            fire = recent.get();
        }
        for (Optional<Instant> later = schedule.next(fire); later.isPresent() && !later.get().isAfter(now);
             later = schedule.next(later.get())) {
            log.debug("job '{}': fire time {} skipped, {} is due too", name, fire, later.get());
            fire = later.get();
        }
        return fire;
    }

    /** Wakes up at {@link #next}, or within {@link #MAX_SLEEP} to read the clock again. */
    private void waitForNext(Instant now) {
        if (next == null) {
            // only for an expression whose fire times end within the parser's century horizon
            log.warn("job '{}': {} has no further fire time; nothing more is scheduled", name, schedule);
            return;
        }
        Duration wait = Duration.between(now, next);
        scheduleIn(ManagedLease.nanos(wait.compareTo(MAX_SLEEP) > 0 ? MAX_SLEEP : wait));
    }

    private Instant now() {
        return engine.clock().now();
    }
}
