package dev.exstate.spring.boot.scheduling;

import dev.exstate.lease.JobContext;
import java.util.Optional;

/**
 * The run of a {@link Leased} method in progress on this thread, for code the method calls:
 * {@code LeasedRun.current().orElseThrow().fencingToken()}. Empty on any other thread, and after
 * the method returns.
 */
public final class LeasedRun {
    private static final ThreadLocal<JobContext> CURRENT = new ThreadLocal<>();

    private LeasedRun() {
    }

    /** The {@link JobContext} of the {@link Leased} method running on this thread, if any. */
    public static Optional<JobContext> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** Sets {@code run} as current; returns what was current before, to give back to {@link #restore}. */
    static JobContext enter(JobContext run) {
        JobContext previous = CURRENT.get();
        CURRENT.set(run);
        return previous;
    }

    static void restore(JobContext previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }
}
