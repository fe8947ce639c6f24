package dev.exstate.internal.guard;

import dev.exstate.time.StateClock;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} for Resilience4j whose instants come from {@link StateClock#nanoTime()}: the
 * breaker's open-state wait is then immune to wall-clock jumps and tests can advance it. The
 * instants are only meaningful relative to each other.
 */
final class MonotonicClock extends Clock {
    private final StateClock clock;

    MonotonicClock(StateClock clock) {
        this.clock = clock;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochSecond(0, clock.nanoTime());
    }

    @Override
    public long millis() {
        return instant().toEpochMilli();
    }
}
