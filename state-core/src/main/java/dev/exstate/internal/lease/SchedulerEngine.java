package dev.exstate.internal.lease;

import dev.exstate.lease.FireTimes;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedJob;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.lease.SchedulerStats;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Implementation of {@link dev.exstate.lease.LeasedScheduler}. Not API.
 *
 * <p>Timers and job runs share one pool of {@code threads} daemon threads
 * ({@code exstate-scheduler-N}); lease renewal happens on the lease provider's own thread, so a
 * busy pool never starves renewals. Timer delays are computed from the {@link StateClock}'s wall
 * clock but elapse in real time.
 */
public final class SchedulerEngine implements AutoCloseable {
    /** Upper bound on {@code threads}. */
    public static final int MAX_THREADS = 256;
    /** Upper bound on {@code shutdownGrace}: close() blocks that long at most. */
    public static final Duration MAX_SHUTDOWN_GRACE = Duration.ofHours(1);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final LeaseProvider leases;
    private final StateClock clock;
    private final Duration shutdownGrace;
    private final String prefix;
    private final LeaseOptions fixedRateLease;
    private final ScheduledThreadPoolExecutor timers;
    private final Map<String, JobTask> jobs = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;

    // over all jobs, cancelled ones included, so that they never decrease
    final LongAdder runsCompleted = new LongAdder();
    final LongAdder runsFailed = new LongAdder();
    final LongAdder ticksSkipped = new LongAdder();
    final LongAdder claimFailures = new LongAdder();
    final LongAdder leasesLost = new LongAdder();
    final AtomicInteger leasesHeld = new AtomicInteger();

    public SchedulerEngine(LeaseProvider leases, int threads, StateClock clock, Duration shutdownGrace, String prefix,
                           LeaseOptions fixedRateLease) {
        this.leases = Objects.requireNonNull(leases, "leases");
        this.fixedRateLease = Objects.requireNonNull(fixedRateLease, "fixedRateLease");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.shutdownGrace = Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        this.prefix = Objects.requireNonNull(prefix, "leasePrefix");
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("scheduler threads must be between 1 and " + MAX_THREADS + ", was " + threads);
        }
        if (shutdownGrace.isNegative() || shutdownGrace.compareTo(MAX_SHUTDOWN_GRACE) > 0) {
            throw new IllegalArgumentException("shutdownGrace must be between 0 and " + MAX_SHUTDOWN_GRACE.toHours()
                    + " hours, was " + shutdownGrace);
        }
        this.timers = new ScheduledThreadPoolExecutor(threads, r -> {
            Thread t = new Thread(r, "exstate-scheduler-" + THREAD_IDS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timers.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    public ScheduledJob scheduleAtFixedRate(String name, Duration period, LeasedJob job) {
        checkInterval(period, "period");
        checkName(name);
        return register(new FixedRateTask(this, name, period, Objects.requireNonNull(job, "job")));
    }

    public ScheduledJob scheduleWithFixedDelay(String name, Duration delay, LeasedJob job) {
        checkInterval(delay, "delay");
        checkName(name);
        return register(new FixedDelayTask(this, name, delay, Objects.requireNonNull(job, "job")));
    }

    public ScheduledJob scheduleCron(String name, String expression, ZoneId zone, LeasedJob job) {
        checkName(name);
        CronSchedule schedule = CronSchedule.parse(expression, zone, clock.now());
        return register(new CronTask(this, name, schedule, Objects.requireNonNull(job, "job")));
    }

    public ScheduledJob schedule(String name, FireTimes fireTimes, LeasedJob job) {
        checkName(name);
        FireTimes checked = CheckedFireTimes.of(name, fireTimes, clock.now());
        return register(new CronTask(this, name, checked, Objects.requireNonNull(job, "job")));
    }

    public SchedulerStats stats() {
        return new SchedulerStats(runsCompleted.sum(), runsFailed.sum(), ticksSkipped.sum(), claimFailures.sum(),
                leasesLost.sum(), leasesHeld.get());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        List<JobTask> all = List.copyOf(jobs.values());
        all.forEach(JobTask::stopScheduling);
        timers.shutdown();
        if (!await(shutdownGrace)) {
            all.forEach(JobTask::abortRun);
            timers.shutdownNow();
            await(Duration.ofSeconds(1));
        }
        jobs.clear();
    }

    boolean isClosing() {
        return closing;
    }

    LeaseProvider leases() {
        return leases;
    }

    StateClock clock() {
        return clock;
    }

    String prefix() {
        return prefix;
    }

    /** How fixed-rate jobs hold their lease while they run. */
    LeaseOptions fixedRateLease() {
        return fixedRateLease;
    }

    ScheduledExecutorService timers() {
        return timers;
    }

    void forget(JobTask task) {
        jobs.remove(task.name(), task);
    }

    private ScheduledJob register(JobTask task) {
        if (closing) {
            throw new IllegalStateException("scheduler is closed; cannot schedule job '" + task.name() + "'");
        }
        if (jobs.putIfAbsent(task.name(), task) != null) {
            throw new IllegalArgumentException("a job named '" + task.name() + "' is already scheduled here; cancel it first");
        }
        if (closing) {
            jobs.remove(task.name(), task);
            throw new IllegalStateException("scheduler is closed; cannot schedule job '" + task.name() + "'");
        }
        task.start();
        return task;
    }

    /** A period or delay is also the TTL of the job's lease, so it has the same bounds. */
    private static void checkInterval(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(LeaseOptions.MAX_TTL) > 0) {
            throw new IllegalArgumentException(what + " must be between 1 ms and " + LeaseOptions.MAX_TTL.toDays()
                    + " days (LeaseOptions.MAX_TTL), was " + d);
        }
    }

    private void checkName(String name) {
        LeaseNames.check(name);
        if ((prefix + name).length() > LeaseNames.MAX_LENGTH) {
            throw new dev.exstate.lease.InvalidLeaseNameException("job name '" + name + "' is too long: with the lease prefix '"
                    + prefix + "' its lease name would exceed " + LeaseNames.MAX_LENGTH + " characters");
        }
        LeaseNames.check(prefix + name);
    }

    private boolean await(Duration d) {
        try {
            return timers.awaitTermination(ManagedLease.nanos(d), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
