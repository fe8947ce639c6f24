package dev.exstate.internal.lease;

import dev.exstate.lease.FireTimes;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A caller's {@link FireTimes} held to what {@link CronTask} relies on: fire times only advance.
 * An answer not after the question, or a throw, ends the schedule (logged) rather than letting a
 * tick be claimed again or the timer spin. Not API.
 */
final class CheckedFireTimes implements FireTimes {
    private static final Logger log = LoggerFactory.getLogger(CheckedFireTimes.class);

    private final String job;
    private final FireTimes delegate;
    // once ended, stays ended: said once in the log, and never asked again
    private volatile boolean ended;

    private CheckedFireTimes(String job, FireTimes delegate) {
        this.job = job;
        this.delegate = delegate;
    }

    /**
     * {@code fireTimes}, checked.
     *
     * @throws IllegalArgumentException if it has no fire time after {@code now} (or throws when asked)
     */
    static CheckedFireTimes of(String job, FireTimes fireTimes, Instant now) {
        Objects.requireNonNull(fireTimes, "fireTimes");
        CheckedFireTimes checked = new CheckedFireTimes(job, fireTimes);
        Optional<Instant> first;
        try {
            first = fireTimes.next(now);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("job '" + job + "': the fire times of " + fireTimes
                    + " cannot be computed: " + e.getMessage(), e);
        }
        if (first == null || first.isEmpty() || !first.get().isAfter(now)) {
            throw new IllegalArgumentException("job '" + job + "': " + fireTimes + " has no fire time after " + now
                    + ", so it would never run");
        }
        return checked;
    }

    @Override
    public Optional<Instant> next(Instant after) {
        if (ended) {
            return Optional.empty();
        }
        Optional<Instant> next;
        try {
            next = delegate.next(after);
        } catch (RuntimeException e) {
            ended = true;
            log.error("job '{}': computing the fire time after {} of {} failed; nothing more is scheduled", job, after,
                    delegate, e);
            return Optional.empty();
        }
        if (next == null || next.isEmpty()) {
            return Optional.empty();
        }
        if (!next.get().isAfter(after)) {
            ended = true;
            log.error("job '{}': {} answered {} as the fire time after {}; fire times must advance, so nothing more "
                    + "is scheduled", job, delegate, next.get(), after);
            return Optional.empty();
        }
        return next;
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
