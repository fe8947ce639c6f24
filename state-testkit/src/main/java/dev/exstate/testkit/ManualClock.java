package dev.exstate.testkit;

import dev.exstate.time.StateClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link StateClock} that moves only when told, so expiry is tested by advancing time, not by
 * sleeping. Thread-safe; both readings advance together.
 */
public final class ManualClock implements StateClock {
    private final Instant origin;
    private final AtomicLong nanos = new AtomicLong();

    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public ManualClock(Instant start) {
        this.origin = start;
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant now() {
        return origin.plusNanos(nanos.get());
    }

    /** Moves both clocks forward by {@code d}. */
    public ManualClock advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time only moves forward: " + d);
        }
        nanos.addAndGet(d.toNanos());
        return this;
    }

    @Override
    public String toString() {
        return "ManualClock[" + now() + "]";
    }
}
