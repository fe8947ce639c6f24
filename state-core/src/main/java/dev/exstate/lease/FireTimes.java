package dev.exstate.lease;

import java.time.Instant;
import java.util.Optional;

/**
 * The fire times of a schedule that {@link LeasedScheduler#schedule(String, FireTimes, LeasedJob)}
 * runs on one replica per fire time, for schedules its Unix cron expressions cannot say (another
 * cron dialect, such as Spring's with seconds, or a calendar of your own).
 *
 * <p>Every replica must compute the same fire times: the tick of a fire time is its epoch
 * millisecond, and only equal ticks keep two replicas from both running one fire time. So the
 * answer may depend on {@code after} and fixed settings (an expression, a zone), never on the
 * local clock, the host or random numbers. Fire times closer than a millisecond share a tick: the
 * second one is never run. Called on the scheduler's threads; must be thread-safe and quick.
 */
@FunctionalInterface
public interface FireTimes {

    /**
     * The first fire time strictly after {@code after}, or empty if the schedule has no more. An
     * answer not after {@code after} is taken as the end of the schedule (and logged).
     */
    Optional<Instant> next(Instant after);
}
