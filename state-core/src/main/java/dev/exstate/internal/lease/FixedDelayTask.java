package dev.exstate.internal.lease;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeasedJob;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed-delay job: one lease {@code <prefix><name>} with a TTL of {@code max(delay, 100 ms)},
 * renewed while the job runs and renewed once more when it ends, then left to expire: the next
 * run anywhere starts at least {@code delay} after this one ended. Replicas that do not hold it
 * try again every {@code delay / 4} (between 10 ms and 30 s). A replica that stalls after
 * taking the lease and finds it expired does not start the job (another replica may be running
 * it by then); it tries again like a replica that was refused. Not API.
 */
final class FixedDelayTask extends JobTask {
    private static final Logger log = LoggerFactory.getLogger(FixedDelayTask.class);
    // a shorter TTL would make background renewal needlessly chatty
    static final Duration MIN_TTL = Duration.ofMillis(100);
    private static final long MIN_RETRY_NANOS = Duration.ofMillis(10).toNanos();
    private static final long MAX_RETRY_NANOS = Duration.ofSeconds(30).toNanos();

    private final long delayNanos;
    private final long retryNanos;
    private final LeaseOptions options;
    private final LeaseOptions unrenewed;
    private final String leaseName;
    // touched only by the one firing in progress
    private long runs;

    FixedDelayTask(SchedulerEngine engine, String name, Duration delay, LeasedJob job) {
        super(engine, name, job);
        this.delayNanos = ManagedLease.nanos(delay);
        this.retryNanos = Math.min(MAX_RETRY_NANOS, Math.max(MIN_RETRY_NANOS, delayNanos / 4));
        Duration ttl = delay.compareTo(MIN_TTL) < 0 ? MIN_TTL : delay;
        this.options = LeaseOptions.of(ttl);
        this.unrenewed = LeaseOptions.builder(ttl).autoRenew(false).build();
        this.leaseName = engine.prefix() + name;
    }

    /**
     * The run's lease could not be extended (lost during the run, or backend trouble): take the
     * name afresh, unrenewed, so the next run anywhere still waits for the delay. If another
     * replica already has it, that replica runs next and no spacing can be enforced any more.
     */
    private void holdName() {
        Lease hold = tryLease(leaseName, runs, () -> engine.leases().tryAcquire(leaseName, unrenewed));
        if (hold != null) {
            leaveToExpire(hold, false);
        }
    }

    @Override
    void start() {
        scheduleIn(0);
    }

    @Override
    void fire() {
        long nextIn = retryNanos;
        try {
            Lease lease = tryLease(leaseName, runs, () -> engine.leases().tryAcquire(leaseName, options));
            if (lease == null) {
                return;
            }
            Outcome outcome = runHolding(lease, runs++);
            if (outcome != Outcome.DONE) {
                // stopped: hand the name back; not started (lost before the run): it is not ours to hold
                lease.release();
                return;
            }
            if (!leaveToExpire(lease, true)) {
                holdName();
            }
            // our own lease blocks everyone, us included, for about this long
            nextIn = delayNanos;
        } finally {
            scheduleIn(nextIn);
        }
    }

    /**
     * Stops renewing {@code lease} without releasing it, so it stays taken until it expires. With
     * {@code renewOnce} it is first extended by its TTL from now; returns whether it is still held
     * (and, with {@code renewOnce}, was extended).
     */
    private static boolean leaveToExpire(Lease lease, boolean renewOnce) {
        if (lease instanceof ManagedLease managed) {
            managed.detach();
            if (!renewOnce) {
                return managed.isValid();
            }
            try {
                return managed.renew();
            } catch (RuntimeException e) {
                log.debug("could not extend lease '{}' after its run; it expires earlier: {}", lease.name(), e.toString());
                return false;
            }
        }
        // a provider not built on LeaseManager offers no way to stop renewal without releasing
        lease.release();
        return false;
    }
}
