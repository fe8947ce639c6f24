package dev.exstate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls that occupy bulkhead slots of a guard: each body blocks until {@link #release()}, so the
 * slots stay taken for as long as a test needs, however slow the machine.
 */
final class HeldSlots {
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger entered = new AtomicInteger();
    private final List<Future<String>> calls = new ArrayList<>();

    private HeldSlots() {
    }

    /** Starts {@code n} calls of {@code operation} on {@code callers}; returns once every body runs. */
    static HeldSlots hold(Guard g, Operation operation, int n, ExecutorService callers) {
        HeldSlots held = new HeldSlots();
        for (int i = 0; i < n; i++) {
            held.calls.add(callers.submit(() -> g.call(operation, () -> {
                held.entered.incrementAndGet();
                held.release.await();
                return "done";
            })));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> held.entered.get() == n);
        return held;
    }

    /** Lets every held body return, and asserts that each held call then answered. */
    void release() throws Exception {
        release.countDown();
        for (Future<String> f : calls) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("done");
        }
    }
}
