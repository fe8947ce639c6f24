package dev.exstate.internal.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LazyTimer")
class LazyTimerTest {
    private static final AtomicInteger IDS = new AtomicInteger();
    // one name per test: a previous test's timer thread may still be ending on a busy machine
    private final String name = "lazy-timer-test-" + IDS.incrementAndGet();
    private final LazyTimer timer = new LazyTimer(name, TimeUnit.MILLISECONDS.toNanos(50));

    @AfterEach
    void close() {
        timer.close();
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private Thread timerThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst().orElse(null);
    }

    @Test
    @DisplayName("runs tasks in the order they are due, not the order they were scheduled")
    void runsTasksInDueOrder() throws Exception {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(3);

        timer.schedule(() -> { ran.add(3); all.countDown(); }, ms(300));
        timer.schedule(() -> { ran.add(1); all.countDown(); }, ms(100));
        timer.schedule(() -> { ran.add(2); all.countDown(); }, ms(200));

        assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly(1, 2, 3);
    }

    @Test
    @DisplayName("a cancelled task never runs")
    void cancelledTaskNeverRuns() throws Exception {
        AtomicBoolean cancelledRan = new AtomicBoolean();
        CountDownLatch later = new CountDownLatch(1);

        timer.schedule(() -> cancelledRan.set(true), ms(50)).cancel();
        timer.schedule(later::countDown, ms(100));

        assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cancelledRan).isFalse();
        assertThat(timer.pendingCount()).isZero();
    }

    @Test
    @DisplayName("a task due before the planned wake-up wakes the thread; later ones and cancellations do not")
    void wakesOnlyForEarlierTasks() throws Exception {
        timer.schedule(() -> { }, ms(60_000)); // plans a wake-up in a minute
        await().atMost(Duration.ofSeconds(10)).until(() -> timerThread() != null
                && timerThread().getState() == Thread.State.TIMED_WAITING);
        long before = timer.wakeUps();

        for (int i = 0; i < 200; i++) {
            timer.schedule(() -> { }, ms(120_000)).cancel();
        }

        // an eager timer would have woken for every one of them
        assertThat(timer.wakeUps() - before).isLessThan(10);
        CountDownLatch early = new CountDownLatch(1);
        timer.schedule(early::countDown, ms(10));
        assertThat(early.await(10, TimeUnit.SECONDS)).as("an earlier task is not left to the minute-long sleep").isTrue();
    }

    @Test
    @DisplayName("no thread until first use; close ends it and later tasks are rejected")
    void threadLifecycle() {
        assertThat(timer.started()).isFalse();
        assertThat(timerThread()).isNull();

        timer.schedule(() -> { }, ms(1_000));
        assertThat(timer.started()).isTrue();
        timer.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> timerThread() == null);
        assertThatThrownBy(() -> timer.schedule(() -> { }, 0)).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    @DisplayName("a task that throws does not stop the timer")
    void failingTaskDoesNotStopTheTimer() throws Exception {
        CountDownLatch after = new CountDownLatch(1);

        timer.execute(() -> {
            throw new IllegalStateException("boom");
        });
        timer.schedule(after::countDown, ms(20));

        assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
