package dev.exstate.internal.guard;

import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One attempt of a blocking body on the guard's pool. Holds a bulkhead slot until the body has
 * really stopped (a body that ignores interruption keeps its slot: the slot stands for a thread),
 * or releases it at once if the attempt is abandoned before it started.
 */
final class BlockingAttempt<T> extends FutureTask<T> {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int ABANDONED = 2;

    private final AtomicInteger phase = new AtomicInteger(QUEUED);
    private final Runnable releaseSlot;
    /** System.nanoTime() by which the attempt must have a thread; its deadline. */
    final long startBy;
    private volatile Thread runner;

    BlockingAttempt(Callable<T> body, Runnable releaseSlot, long startBy) {
        super(body);
        this.releaseSlot = releaseSlot;
        this.startBy = startBy;
    }

    @Override
    public void run() {
        if (!phase.compareAndSet(QUEUED, RUNNING)) {
            return; // abandoned while queued; the slot was released by abandon()
        }
        runner = Thread.currentThread();
        try {
            super.run();
        } finally {
            runner = null;
            releaseSlot.run();
        }
    }

    /** The thread running the body right now, or null. */
    Thread runner() {
        return runner;
    }

    /** Gives up on the attempt: interrupts the body if it runs, frees the slot if it never started. */
    void abandon() {
        if (phase.compareAndSet(QUEUED, ABANDONED)) {
            releaseSlot.run();
        }
        cancel(true);
    }
}
