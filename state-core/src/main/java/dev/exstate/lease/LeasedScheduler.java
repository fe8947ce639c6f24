package dev.exstate.lease;

import dev.exstate.internal.lease.SchedulerEngine;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;

/**
 * Runs periodic jobs on one replica only per tick, whatever the number of replicas: at a fixed
 * rate ({@link #scheduleAtFixedRate}), at the fire times of a cron expression
 * ({@link #scheduleCron}, e.g. {@code "0 6 * * *"} in a time zone) or of any other schedule
 * ({@link #schedule(String, FireTimes, LeasedJob)}), or with a fixed delay between runs
 * ({@link #scheduleWithFixedDelay}).
 *
 * <p><b>Fixed-rate jobs</b> run at most once per tick, by construction. Tick {@code k} is
 * {@code epochMillis / period}, the same number on every replica. At each tick every replica
 * asks the lease backend to claim tick {@code k} of the job's lease
 * ({@link LeaseProvider#tryClaimTick}); the backend keeps the last tick started per job and
 * grants the claim only if nobody holds the lease and that record is below {@code k}, advancing
 * it in the same atomic step. A replica that stalls (GC, SIGSTOP, a cold JVM) and asks late is
 * refused, however late it asks, and fencing tokens of one job strictly increase in tick order.
 * The lease is held and renewed while the job runs and released after it; the record, not the
 * lease, keeps the tick from running again. Consequences worth knowing:
 * <ul>
 *   <li>a tick claimed but never started (its lease expired before the job could start, or this
 *       scheduler was closing) is skipped, not run elsewhere; so is a tick whose job threw: a
 *       tick is never retried;</li>
 *   <li>ticks that begin while a run is in progress are skipped (the lease is held), so runs of
 *       one job never overlap;</li>
 *   <li>wall clocks decide when ticks happen, never whether one runs twice: a replica whose
 *       clock runs ahead claims ticks early and the others are refused those ticks (and if it
 *       then stops, the job waits until their clocks reach its last tick), so keep clocks in sync
 *       (NTP), but no clock skew can run a tick twice;</li>
 *   <li>the record lives in the backend: a Redis that loses its data (no persistence, failover to
 *       a replica that missed the last writes) forgets which ticks ran, as it forgets tokens.</li>
 * </ul>
 *
 * <p><b>The fixed-rate and cron lease TTL</b> ({@link Builder#leaseTtl}, default 10 s, renewed every
 * TTL/3) only bounds how long a holder that crashed mid-run blocks the job: a SIGKILLed holder's
 * lease is free again after at most the TTL, and the next tick after that runs elsewhere; a
 * holder that shuts down cleanly releases at once. A shorter TTL fails over sooner but renews
 * more often and turns pauses longer than the TTL (GC, a stalled host, a slow backend) into lost
 * leases, whose jobs are interrupted. The TTL does not need to match the period. etcd grants
 * whole seconds and at least its own minimum (1.5 &times; its election timeout), so there a
 * crashed holder can block for that long.
 *
 * <p><b>Fixed-delay jobs</b>: the lease on the job name is held while the job runs and for
 * {@code delay} after it (its TTL is the delay, at least 100 ms), so the next run anywhere starts
 * at least {@code delay} after the previous one ended.
 *
 * <p>A job is never started once its lease is lost or past its local deadline; a job whose lease
 * is lost mid-run is interrupted and sees {@link JobContext#isLeaseValid()} false.
 * {@link #close()} stops scheduling, interrupts running jobs after the grace period and releases
 * their leases so another replica may take over on the next tick. Thread-safe.
 *
 * <p>Also worth knowing: an exception thrown by a job is logged and the schedule goes on; a tick
 * whose lease cannot be asked for because the backend is unavailable is skipped. Jobs and timers
 * share {@code threads} daemon threads ({@code exstate-scheduler-N}), so at most that many jobs
 * run at once on this replica. Every kind of job holds the lease {@code <prefix><name>}.
 * {@link ScheduledJob#skippedTicks()} counts the tries that found the lease held or the tick
 * taken, and claimed ticks that were not started. A fixed-rate job needs a provider that
 * implements {@link LeaseProvider#tryClaimTick} (all of exstate's do), and so does a cron job;
 * with one that does not, the job is cancelled on its first tick and the reason logged. Closing the scheduler does not
 * close the {@link LeaseProvider}.
 */
public final class LeasedScheduler implements AutoCloseable {
    private final SchedulerEngine engine;

    private LeasedScheduler(Builder b) {
        this.engine = new SchedulerEngine(b.leases, b.threads, b.clock, b.shutdownGrace, b.leasePrefix, b.fixedRateLease());
    }

    public static Builder builder(LeaseProvider leases) {
        return new Builder(leases);
    }

    /**
     * Runs {@code job} once per {@code period} tick, on one replica.
     *
     * @throws InvalidLeaseNameException if the resulting lease name would be invalid
     * @throws IllegalArgumentException  if {@code period} is under 1 ms or over {@link LeaseOptions#MAX_TTL} (it is
     *                                   the TTL of each tick's lease), or a job of that name is scheduled here
     * @throws IllegalStateException     once closed
     */
    public ScheduledJob scheduleAtFixedRate(String name, Duration period, LeasedJob job) {
        return engine.scheduleAtFixedRate(name, period, job);
    }

    /**
     * Runs {@code job} at the fire times of a Unix cron expression in {@code zone}, on one replica
     * per fire time: {@code scheduleCron("daily-report", "0 6 * * *", ZoneId.of("Europe/Berlin"), job)}
     * runs at 06:00 Berlin time every day.
     *
     * <p><b>Format</b>: the five fields of crontab(5), {@code minute hour day-of-month month
     * day-of-week}, with {@code *}, lists ({@code 1,15}), ranges ({@code 9-17}), steps
     * ({@code *}{@code /5}, {@code 0-30/10}), names ({@code JAN}, {@code MON-FRI}) and 0 or 7 for
     * Sunday; when both day fields are restricted, a day matches if either does, as in cron(8).
     * No seconds field, no {@code @daily} nicknames, no Quartz {@code ?}, {@code L} or {@code #}.
     * Parsed by cron-utils ({@code com.cronutils:cron-utils}, a dependency of state-core).
     *
     * <p><b>One run per fire time, by construction</b>: a fire time is a tick numbered by its epoch
     * millisecond ({@link JobContext#tick()}; {@code Instant.ofEpochMilli(ctx.tick())} is the fire
     * time), claimed with {@link LeaseProvider#tryClaimTick} as for fixed-rate jobs, so whatever
     * said there about stalled replicas, clock skew and the lease TTL holds here too. Fire-time
     * ticks are larger than any fixed-rate tick, so a fixed-rate job may be turned into a cron job
     * under the same name, but not back (its ticks would all count as already run: pick a new name).
     *
     * <p><b>Late and missed fire times</b>: a fire time is run if a replica gets to it within a
     * minute (a replica that starts a few seconds after 06:00 runs the 06:00 report if no other
     * replica did). Fire times missed by longer (every replica was down or paused, or the clock
     * was stepped) are skipped and logged, never run as a backlog, as cron(8) does. Fire times that
     * pass while a run is in progress are skipped, so runs never overlap.
     *
     * <p><b>Daylight saving time</b> in {@code zone}: a local time the clocks skip fires once, at
     * the moment of the jump ({@code 30 2 * * *} runs at 03:00 that day); a local time that happens
     * twice fires at its first occurrence only ({@code 30 2 * * *} runs once that night, and
     * {@code 0 * * * *} leaves the repeated hour out). Use {@code ZoneOffset.UTC} for a schedule
     * without either effect.
     *
     * @throws InvalidLeaseNameException if the resulting lease name would be invalid
     * @throws IllegalArgumentException  naming the expression if it is not a valid 5-field Unix cron
     *                                   expression or never fires ({@code 0 0 31 2 *}), or if a job of
     *                                   that name is scheduled here
     * @throws IllegalStateException     once closed
     */
    public ScheduledJob scheduleCron(String name, String expression, ZoneId zone, LeasedJob job) {
        return engine.scheduleCron(name, expression, zone, job);
    }

    /**
     * Runs {@code job} at the fire times {@code fireTimes} computes, on one replica per fire time:
     * exactly as {@link #scheduleCron} does (a fire time is a tick numbered by its epoch
     * millisecond, claimed with {@link LeaseProvider#tryClaimTick}; late, missed and overlapping
     * fire times as described there), for schedules a 5-field Unix cron expression cannot say.
     * {@code fireTimes} must give every replica the same fire times (see {@link FireTimes}). Its
     * {@code toString()} names the schedule in log messages.
     *
     * @throws InvalidLeaseNameException if the resulting lease name would be invalid
     * @throws IllegalArgumentException  if {@code fireTimes} has no fire time after now, or a job of
     *                                   that name is scheduled here
     * @throws IllegalStateException     once closed
     */
    public ScheduledJob schedule(String name, FireTimes fireTimes, LeasedJob job) {
        return engine.schedule(name, fireTimes, job);
    }

    /**
     * Runs {@code job} repeatedly with at least {@code delay} between the end of one run and the start of the next, cluster-wide.
     *
     * @throws InvalidLeaseNameException if the resulting lease name would be invalid
     * @throws IllegalArgumentException  if {@code delay} is under 1 ms or over {@link LeaseOptions#MAX_TTL}, or a job
     *                                   of that name is scheduled here
     * @throws IllegalStateException     once closed
     */
    public ScheduledJob scheduleWithFixedDelay(String name, Duration delay, LeasedJob job) {
        return engine.scheduleWithFixedDelay(name, delay, job);
    }

    /**
     * Runs, skipped ticks, failed lease requests and lost leases of all jobs on this replica so
     * far, and the jobs running now. Cheap (a few counter reads); never calls the lease backend.
     */
    public SchedulerStats stats() {
        return engine.stats();
    }

    /**
     * Stops scheduling, interrupts running jobs after the grace period, releases their leases.
     * Blocks up to the grace period (plus about a second for interrupted jobs to return). Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * Builder for {@link LeasedScheduler}. Defaults: 2 threads, system clock, 10 s grace, lease prefix {@code "job:"},
     * fixed-rate and cron lease TTL 10 s renewed every TTL/3. {@link #build()} throws {@link IllegalArgumentException} for
     * threads outside 1..256 or a grace outside 0..1 hour; the lease settings are checked as they are set.
     */
    public static final class Builder {
        /** Shortest {@link #leaseTtl}: a renewal must fit in it with room for a pause. */
        public static final Duration MIN_LEASE_TTL = Duration.ofMillis(100);
        /** Longest {@link #leaseTtl}: longer would only lengthen the wait after a crash. */
        public static final Duration MAX_LEASE_TTL = Duration.ofHours(1);
        /** Default {@link #leaseTtl}. */
        public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);

        private final LeaseProvider leases;
        private int threads = 2;
        private StateClock clock = StateClock.system();
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private String leasePrefix = "job:";
        private Duration leaseTtl = DEFAULT_LEASE_TTL;
        private Duration leaseRenewEvery;

        private Builder(LeaseProvider leases) {
            this.leases = Objects.requireNonNull(leases, "leases");
        }

        public Builder threads(int v) { this.threads = v; return this; }

        public Builder clock(StateClock v) { this.clock = v; return this; }

        public Builder shutdownGrace(Duration v) { this.shutdownGrace = v; return this; }

        public Builder leasePrefix(String v) { this.leasePrefix = v; return this; }

        /**
         * TTL of the lease a fixed-rate or cron job holds while it runs (renewed in the background): how
         * long a holder that crashed mid-run can block the job, and how long a pause a holder
         * survives. See the class comment for the trade-off. Between 100 ms and 1 h; default 10 s.
         *
         * @throws IllegalArgumentException if out of range, or too short for a {@link #leaseRenewEvery} already set
         */
        public Builder leaseTtl(Duration v) {
            Objects.requireNonNull(v, "leaseTtl");
            if (v.compareTo(MIN_LEASE_TTL) < 0 || v.compareTo(MAX_LEASE_TTL) > 0) {
                throw new IllegalArgumentException("leaseTtl must be between " + MIN_LEASE_TTL.toMillis() + " ms and "
                        + MAX_LEASE_TTL.toHours() + " h, was " + v);
            }
            if (leaseRenewEvery != null && leaseRenewEvery.compareTo(v.dividedBy(2)) > 0) {
                throw new IllegalArgumentException("leaseTtl " + v + " is too short for leaseRenewEvery, already set to "
                        + leaseRenewEvery + ": renewals must come at least twice per TTL");
            }
            this.leaseTtl = v;
            return this;
        }

        /**
         * How often a running fixed-rate or cron job's lease is renewed: positive and at most half of
         * {@link #leaseTtl}. The default, TTL/3, leaves room for one failed renewal to be retried
         * before the lease runs out.
         *
         * @throws IllegalArgumentException if not positive or longer than half the TTL
         */
        public Builder leaseRenewEvery(Duration v) {
            Objects.requireNonNull(v, "leaseRenewEvery");
            if (v.isNegative() || v.isZero() || v.compareTo(leaseTtl.dividedBy(2)) > 0) {
                throw new IllegalArgumentException("leaseRenewEvery must be positive and at most half of leaseTtl ("
                        + leaseTtl + "), was " + v);
            }
            this.leaseRenewEvery = v;
            return this;
        }

        public LeasedScheduler build() {
            return new LeasedScheduler(this);
        }

        private LeaseOptions fixedRateLease() {
            LeaseOptions.Builder b = LeaseOptions.builder(leaseTtl);
            if (leaseRenewEvery != null) {
                b.renewEvery(leaseRenewEvery);
            }
            return b.build();
        }
    }
}
