package dev.exstate.guard;

import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the guard tests share: one manual clock, a pool of caller threads, and the guards a test
 * made, all closed after each test. Register as an instance field with {@code @RegisterExtension}.
 */
final class GuardTesting implements AfterEachCallback {
    private final ManualClock clock = new ManualClock();
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final List<Guard> guards = new ArrayList<>();

    /**
     * Two quick retries, attempts that never time out on a slow machine (5 s), and a breaker that
     * needs 100 calls before it judges, so it opens only where a test sets it up to.
     */
    static GuardPolicy.Builder quick() {
        return GuardPolicy.builder()
                .timeout(Duration.ofSeconds(5))
                .totalTimeout(Duration.ofSeconds(5))
                .retryBackoff(Duration.ofMillis(1))
                .maxRetries(2)
                .slidingWindowSize(100)
                .minimumNumberOfCalls(100);
    }

    ManualClock clock() {
        return clock;
    }

    ExecutorService callers() {
        return callers;
    }

    /** A guard for {@code backend} on the manual clock, closed after the test. */
    Guard guard(String backend, GuardPolicy policy) {
        return track(Guard.builder(backend).policy(policy).clock(clock).build());
    }

    /** Closes {@code g} after the test. */
    Guard track(Guard g) {
        guards.add(g);
        return g;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        guards.forEach(Guard::close);
        callers.shutdownNow();
    }
}
