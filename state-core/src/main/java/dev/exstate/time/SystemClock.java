package dev.exstate.time;

import java.time.Instant;

enum SystemClock implements StateClock {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public String toString() {
        return "StateClock.system()";
    }
}
