package dev.exstate.testkit;

import dev.exstate.time.ManualClock;
import dev.exstate.time.StateClock;
import java.time.Duration;

/**
 * How a contract suite makes time pass. The in-memory providers take a {@link ManualClock}, so
 * expiry is tested by advancing it; real backends (Redis, etcd) expire by their own clock, so
 * their suites use {@link #real()} with short TTLs and wait.
 */
public interface TimeControl {

    /** The clock to give the provider under test. */
    StateClock clock();

    /** Makes at least {@code d} pass as the provider sees it. */
    void advance(Duration d);

    /** True when {@link #advance} is instant (a manual clock): suites may then use long TTLs. */
    boolean isManual();

    /** Manual time: {@link #advance} moves {@code clock} and returns at once. */
    static TimeControl manual(ManualClock clock) {
        return new TimeControl() {
            @Override
            public StateClock clock() {
                return clock;
            }

            @Override
            public void advance(Duration d) {
                clock.advance(d);
            }

            @Override
            public boolean isManual() {
                return true;
            }
        };
    }

    /** Real time: {@link #advance} sleeps, for backends that expire by their own clock. */
    static TimeControl real() {
        return new TimeControl() {
            @Override
            public StateClock clock() {
                return StateClock.system();
            }

            @Override
            public void advance(Duration d) {
                try {
                    Thread.sleep(d.toMillis() + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while letting time pass", e);
                }
            }

            @Override
            public boolean isManual() {
                return false;
            }
        };
    }
}
