package dev.exstate.lease;

import dev.exstate.internal.lease.SchedulerEngine;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.Objects;

/**
 * Runs periodic jobs on one replica only per tick, whatever the number of replicas.
 *
 * <p>Fixed-rate jobs: ticks are aligned to the wall clock ({@code epochMillis / period}); every
 * replica tries the tick's lease and only the one that gets it runs the job. The tick's lease is
 * not released after a successful run but left to expire, so a replica that comes late to the
 * same tick cannot run it again. Fixed-delay jobs: the lease on the job name is held while the
 * job runs and for {@code delay} after it, so the next run anywhere starts at least
 * {@code delay} after the previous one ended.
 *
 * <p>A job whose lease is lost mid-run is interrupted and sees {@link JobContext#isLeaseValid()}
 * false. {@link #close()} stops scheduling, interrupts running jobs after the grace period and
 * releases their leases so another replica may take over on the next tick. Thread-safe.
 *
 * <p>Also worth knowing: an exception thrown by a job is logged and the schedule goes on (a
 * failed fixed-rate tick is not retried by another replica); a tick whose lease cannot be asked
 * for because the backend is unavailable is skipped. Jobs and timers share {@code threads}
 * daemon threads ({@code exstate-scheduler-N}), so at most that many jobs run at once on this
 * replica. Lease names are {@code <prefix><name>@<tick>} (fixed rate) and {@code <prefix><name>}
 * (fixed delay). A fixed-rate tick's lease lives one period from when it was taken, so the
 * replicas' wall clocks must agree to well within a period (as NTP keeps them): a replica lagging
 * by more could still see a tick whose lease already expired. A fixed-rate job's fencing tokens
 * increase from tick to tick only if the provider's tokens increase across names, as the
 * in-memory provider's do. For fixed-delay jobs {@link ScheduledJob#skippedTicks()} counts the
 * tries that found another replica holding the job. Closing the scheduler does not close the
 * {@link LeaseProvider}.
 */
public final class LeasedScheduler implements AutoCloseable {
    private final SchedulerEngine engine;

    private LeasedScheduler(Builder b) {
        this.engine = new SchedulerEngine(b.leases, b.threads, b.clock, b.shutdownGrace, b.leasePrefix);
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
     * Stops scheduling, interrupts running jobs after the grace period, releases their leases.
     * Blocks up to the grace period (plus about a second for interrupted jobs to return). Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * Builder for {@link LeasedScheduler}. Defaults: 2 threads, system clock, 10 s grace, lease prefix {@code "job:"}.
     * {@link #build()} throws {@link IllegalArgumentException} for threads outside 1..256 or a grace outside 0..1 hour.
     */
    public static final class Builder {
        private final LeaseProvider leases;
        private int threads = 2;
        private StateClock clock = StateClock.system();
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private String leasePrefix = "job:";

        private Builder(LeaseProvider leases) {
            this.leases = Objects.requireNonNull(leases, "leases");
        }

        public Builder threads(int v) { this.threads = v; return this; }

        public Builder clock(StateClock v) { this.clock = v; return this; }

        public Builder shutdownGrace(Duration v) { this.shutdownGrace = v; return this; }

        public Builder leasePrefix(String v) { this.leasePrefix = v; return this; }

        public LeasedScheduler build() {
            return new LeasedScheduler(this);
        }
    }
}
