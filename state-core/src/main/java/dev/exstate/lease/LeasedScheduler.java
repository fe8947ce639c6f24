package dev.exstate.lease;

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
 */
public final class LeasedScheduler implements AutoCloseable {

    private LeasedScheduler(Builder b) {
    }

    public static Builder builder(LeaseProvider leases) {
        return new Builder(leases);
    }

    /** Runs {@code job} once per {@code period} tick, on one replica. */
    public ScheduledJob scheduleAtFixedRate(String name, Duration period, LeasedJob job) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Runs {@code job} repeatedly with at least {@code delay} between the end of one run and the start of the next, cluster-wide. */
    public ScheduledJob scheduleWithFixedDelay(String name, Duration delay, LeasedJob job) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Stops scheduling, interrupts running jobs after the grace period, releases their leases. */
    @Override
    public void close() {
    }

    /** Builder for {@link LeasedScheduler}. Defaults: 2 threads, system clock, 10 s grace, lease prefix {@code "job:"}. */
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
