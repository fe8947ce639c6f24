package dev.exstate.time;

import java.time.Instant;

/**
 * The source of time for everything in exstate that expires: session TTLs, lease deadlines,
 * near-cache staleness. {@link #system()} is the production clock; tests inject a manual one
 * ({@link ManualClock}) so that expiry is tested without sleeping.
 *
 * <p>Implementations must be thread-safe. {@link #nanoTime()} must be monotonic: it is what lease
 * validity is judged by, so that a wall-clock jump never makes an expired lease look valid.
 */
public interface StateClock {

    /** Monotonic time in nanoseconds, only meaningful as a difference between two readings. */
    long nanoTime();

    /** Wall-clock time, used for timestamps a user sees (created-at, last-accessed-at). */
    Instant now();

    /** The JVM's clocks: {@link System#nanoTime()} and {@link Instant#now()}. */
    static StateClock system() {
        return SystemClock.INSTANCE;
    }
}
