package dev.exstate.time;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link StateClock} that moves only when told: a test aid, as Micrometer's {@code MockClock}
 * is, so that expiry, staleness and breaker waits are tested by advancing time, never by
 * sleeping. Never give one to a production component: nothing it drives would ever expire.
 *
 * <p>Both readings start at a fixed point ({@link #nanoTime()} at 0, {@link #now()} at the
 * given start) and move together, only through {@link #advance}. Thread-safe. Code that waits on
 * real time (a renewer's timer, a watch loop) does not notice an advance until it next reads the
 * clock.
 */
public final class ManualClock implements StateClock {
    /** Where {@link #now()} starts by default; any fixed instant would do. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

    private final Instant start;
    private final AtomicLong nanos = new AtomicLong();

    /** A clock whose {@link #now()} starts at {@link #DEFAULT_START}. */
    public ManualClock() {
        this(DEFAULT_START);
    }

    /** A clock whose {@link #now()} starts at {@code start}. */
    public ManualClock(Instant start) {
        this.start = Objects.requireNonNull(start, "start");
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant now() {
        return start.plusNanos(nanos.get());
    }

    /**
     * Moves both readings forward by {@code d}.
     *
     * @return this clock
     * @throws IllegalArgumentException if {@code d} is negative: monotonic time never goes back
     */
    public ManualClock advance(Duration d) {
        Objects.requireNonNull(d, "duration");
        if (d.isNegative()) {
            throw new IllegalArgumentException("a ManualClock only moves forward, was asked to move by " + d);
        }
        nanos.addAndGet(d.toNanos());
        return this;
    }

    @Override
    public String toString() {
        return "ManualClock[" + now() + "]";
    }
}
