package dev.exstate.testkit.hidden.excused;

import java.util.concurrent.atomic.AtomicLong;

/** Static state the package's {@code @ProcessLocal} excuses. */
public final class HarnessCounter {
    private static final AtomicLong RUNS = new AtomicLong();

    private HarnessCounter() {
    }

    public static long nextRun() {
        return RUNS.incrementAndGet();
    }
}
