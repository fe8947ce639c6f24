package dev.exstate.internal.guard;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard's timer for callers that must not block ({@code callAsync}): attempt timeouts, retry
 * backoff and bulkhead waits. Synchronous callers never use it; they wait on their own thread.
 *
 * <p>One daemon thread, started on first use, sleeps until the earliest pending task. Scheduling a
 * task due no earlier than the thread's planned wake-up does not wake it, and cancelling never
 * does, so calls that finish in time cost an insert and a remove in a skip list rather than a
 * wake-up each. (A {@code ScheduledThreadPoolExecutor} signals its thread whenever a new task
 * becomes the head of its queue: with one call at a time, that is every call.) While tasks flow
 * the thread wakes about once per {@code lingerNanos}; when none came for that long it sleeps
 * until the next one arrives.
 *
 * <p>Tasks run on the timer thread: they must be short and must not block.
 */
final class LazyTimer {
    private static final Logger log = LoggerFactory.getLogger(LazyTimer.class);

    private final String threadName;
    private final long lingerNanos;
    private final ConcurrentSkipListMap<Task, Boolean> pending = new ConcurrentSkipListMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile Thread thread;
    private volatile boolean closed;
    // The thread's plan, published before it parks and read by schedule() to decide whether to
    // wake it: asleep until unparked, or until wakeAt (System.nanoTime()).
    private volatile boolean untilUnparked = true;
    private volatile long wakeAt;
    private volatile long wakeUps; // written by the timer thread only

    LazyTimer(String threadName, long lingerNanos) {
        this.threadName = threadName;
        this.lingerNanos = lingerNanos;
    }

    /** A scheduled action. */
    final class Task implements Comparable<Task> {
        final long due;
        private final long seq;
        private final Runnable action;

        private Task(long due, long seq, Runnable action) {
            this.due = due;
            this.seq = seq;
            this.action = action;
        }

        /** Prevents the action from running if it has not started; never wakes the timer thread. */
        void cancel() {
            pending.remove(this);
        }

        @Override
        public int compareTo(Task o) {
            long d = due - o.due; // nanoTime values compare by difference (they may wrap)
            return d != 0 ? (d < 0 ? -1 : 1) : Long.compare(seq, o.seq);
        }
    }

    /** Runs {@code action} on the timer thread after {@code delayNanos}; rejected once closed. */
    Task schedule(Runnable action, long delayNanos) {
        if (closed) {
            throw new RejectedExecutionException(threadName + " is closed");
        }
        Task task = new Task(System.nanoTime() + Math.max(0, delayNanos), sequence.incrementAndGet(), action);
        pending.put(task, Boolean.TRUE);
        Thread t = thread != null ? thread : start();
        // Read after the add; the timer thread publishes its plan before it re-checks the head, so
        // either it sees this task or this sees its plan (the order of volatile accesses is total).
        if (untilUnparked || task.due - wakeAt < 0) {
            LockSupport.unpark(t);
        }
        return task;
    }

    /** Runs {@code action} on the timer thread as soon as possible. */
    void execute(Runnable action) {
        schedule(action, 0);
    }

    private synchronized Thread start() {
        if (thread == null) {
            Thread t = new Thread(this::loop, threadName);
            t.setDaemon(true);
            thread = t;
            t.start();
        }
        return thread;
    }

    private void loop() {
        long seenBefore = 0;
        while (!closed) {
            long seen = sequence.get();
            Task head = runDue();
            if (head != null) {
                wakeAt = head.due;
                untilUnparked = false;
            } else if (seen != seenBefore) {
                // Tasks came (and went) since the last look: stay on a timed sleep one period
                // more. A task scheduled meanwhile is due after this wake-up, so a steady stream
                // of calls costs one wake-up per period, not one per call.
                wakeAt = System.nanoTime() + lingerNanos;
                untilUnparked = false;
            } else {
                untilUnparked = true;
            }
            seenBefore = seen;
            if (firstOrNull() != head) {
                continue; // a task arrived (or the head was cancelled) while planning
            }
            if (untilUnparked) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, wakeAt - System.nanoTime());
            }
            wakeUps++;
        }
    }

    /** Runs the tasks that are due; returns the first one that is not, or null. */
    private Task runDue() {
        Task head;
        while ((head = firstOrNull()) != null && head.due - System.nanoTime() <= 0) {
            if (pending.remove(head) != null) { // null if cancelled meanwhile
                try {
                    head.action.run();
                } catch (Throwable e) {
                    log.error("{}: a timer task failed", threadName, e);
                }
            }
        }
        return head;
    }

    private Task firstOrNull() {
        Map.Entry<Task, Boolean> first = pending.firstEntry();
        return first == null ? null : first.getKey();
    }

    /** Pending tasks, for tests and diagnostics. */
    int pendingCount() {
        return pending.size();
    }

    /** How often the thread woke up so far; for tests and diagnostics. */
    long wakeUps() {
        return wakeUps;
    }

    /** True once the thread was started. */
    boolean started() {
        return thread != null;
    }

    /** Stops the thread; pending tasks never run. */
    void close() {
        closed = true;
        pending.clear();
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
