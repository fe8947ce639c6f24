package dev.exstate.internal.guard;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The guard's bulkhead: a Resilience4j semaphore bulkhead that never blocks by itself, plus a
 * queue of waiters woken on release. Blocking callers wait on their own thread; asynchronous
 * callers wait without a thread (a task on the guard's timer), so {@code callAsync} never blocks.
 *
 * <p>No wake-up is lost: a waiter enqueues before its last try, every release wakes one live
 * waiter, and a woken waiter that loses the race to a newcomer waits for that newcomer's release.
 */
final class Slots {
    private final Bulkhead bulkhead;
    private final LazyTimer timer;
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> waiters = new ConcurrentLinkedQueue<>();

    Slots(String name, int maxConcurrentCalls, LazyTimer timer) {
        this.bulkhead = Bulkhead.of(name, BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrentCalls)
                .maxWaitDuration(Duration.ZERO)
                .build());
        this.timer = timer;
    }

    int max() {
        return bulkhead.getMetrics().getMaxAllowedConcurrentCalls();
    }

    int inUse() {
        return max() - bulkhead.getMetrics().getAvailableConcurrentCalls();
    }

    boolean tryAcquire() {
        return bulkhead.tryAcquirePermission();
    }

    void release() {
        bulkhead.onComplete();
        CompletableFuture<Void> waiter;
        while ((waiter = waiters.poll()) != null) {
            if (waiter.complete(null)) {
                return;
            }
        }
    }

    /** Takes a slot, waiting at most {@code waitNanos} on the calling thread. */
    boolean acquire(long waitNanos) throws InterruptedException {
        if (tryAcquire()) {
            return true;
        }
        long deadline = System.nanoTime() + waitNanos;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            CompletableFuture<Void> wakeUp = new CompletableFuture<>();
            waiters.add(wakeUp);
            try {
                if (tryAcquire()) {
                    return true;
                }
                wakeUp.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return tryAcquire(); // a release may have raced with the timeout
            } catch (ExecutionException e) {
                throw new IllegalStateException("wake-up futures are never completed exceptionally", e);
            } finally {
                waiters.remove(wakeUp);
            }
            // woken: loop and try again
        }
    }

    /**
     * Takes a slot within {@code waitNanos} without blocking. Completes inline if a slot is free
     * (no thread hop), otherwise later on the timer thread; completes with false if none came free.
     */
    CompletableFuture<Boolean> acquireAsync(long waitNanos) {
        if (tryAcquire()) {
            return CompletableFuture.completedFuture(Boolean.TRUE);
        }
        if (waitNanos <= 0) {
            return CompletableFuture.completedFuture(Boolean.FALSE);
        }
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        awaitSlot(result, System.nanoTime() + waitNanos);
        return result;
    }

    private void awaitSlot(CompletableFuture<Boolean> result, long deadline) {
        long left = deadline - System.nanoTime();
        CompletableFuture<Void> wakeUp = new CompletableFuture<>();
        waiters.add(wakeUp);
        if (tryAcquire()) {
            waiters.remove(wakeUp);
            result.complete(Boolean.TRUE);
            return;
        }
        if (left <= 0) {
            waiters.remove(wakeUp);
            result.complete(Boolean.FALSE);
            return;
        }
        LazyTimer.Task timeout;
        try {
            timeout = timer.schedule(() -> wakeUp.completeExceptionally(new TimeoutException()), left);
        } catch (RejectedExecutionException closed) {
            waiters.remove(wakeUp);
            result.complete(Boolean.FALSE);
            return;
        }
        wakeUp.whenComplete((ignored, timedOut) -> {
            timeout.cancel();
            waiters.remove(wakeUp);
            // Continue on the timer thread: the releasing thread may be an interrupted pool thread
            // or a client's I/O thread, neither of which should run the next attempt.
            try {
                timer.execute(() -> {
                    if (tryAcquire()) {
                        result.complete(Boolean.TRUE);
                    } else if (timedOut == null && deadline - System.nanoTime() > 0) {
                        awaitSlot(result, deadline);
                    } else {
                        result.complete(Boolean.FALSE);
                    }
                });
            } catch (RejectedExecutionException closed) {
                result.complete(Boolean.FALSE);
            }
        });
    }
}
