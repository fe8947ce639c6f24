package dev.exstate.micrometer;

import dev.exstate.guard.GuardObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Records each finished call of one guard in one registry. Meters are registered on first use and
 * then found without allocating: by operation name in a map, by outcome in an array.
 */
final class GuardMeters implements GuardObserver {
    /** The values of the {@code outcome} tag, by {@link #tagIndex}. */
    private static final String[] OUTCOMES = {
        "success", "failure", "timeout", "rejected", "caller_error", "abandoned", "fallback"};
    private static final int FALLBACK = OUTCOMES.length - 1;

    private final MeterRegistry registry;
    private final Tags backend;
    private final ConcurrentMap<String, OperationMeters> operations = new ConcurrentHashMap<>();
    private final Counter circuitOpen;
    private final Counter bulkheadFull;

    GuardMeters(MeterRegistry registry, Tags backend) {
        this.registry = registry;
        this.backend = backend;
        this.circuitOpen = rejections("circuit_open");
        this.bulkheadFull = rejections("bulkhead_full");
    }

    private Counter rejections(String reason) {
        return Counter.builder("exstate.guard.rejections")
                .tags(backend).tag(Meters.REASON, reason)
                .description("Calls refused without calling the backend: open circuit breaker, or no bulkhead slot")
                .register(registry);
    }

    @Override
    public void onCall(Call call) {
        String name = call.operation().name();
        OperationMeters m = operations.get(name);
        if (m == null) {
            m = operations.computeIfAbsent(name, OperationMeters::new);
        }
        m.timer(tagIndex(call)).record(call.durationNanos(), TimeUnit.NANOSECONDS);
        if (call.retries() > 0) {
            m.retries().increment(call.retries());
        }
        switch (call.outcome()) {
            case CIRCUIT_OPEN -> circuitOpen.increment();
            case BULKHEAD_FULL -> bulkheadFull.increment();
            default -> {
            }
        }
    }

    /** A fallback answer counts as "fallback" whatever failed; both refusals count as "rejected". */
    private static int tagIndex(Call call) {
        if (call.fallback()) {
            return FALLBACK;
        }
        return switch (call.outcome()) {
            case SUCCESS -> 0;
            case FAILURE -> 1;
            case TIMEOUT -> 2;
            case CIRCUIT_OPEN, BULKHEAD_FULL -> 3;
            case CALLER_ERROR -> 4;
            case ABANDONED -> 5;
        };
    }

    /** The meters of one operation; registering the same meter twice in a race returns the same one. */
    private final class OperationMeters {
        private final Tags operation;
        private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(OUTCOMES.length);
        private volatile Counter retries;

        OperationMeters(String name) {
            this.operation = backend.and(Meters.OPERATION, name);
        }

        Timer timer(int outcome) {
            Timer t = timers.get(outcome);
            if (t == null) {
                t = Timer.builder("exstate.guard.calls")
                        .tags(operation).tag(Meters.OUTCOME, OUTCOMES[outcome])
                        .description("Guarded calls to a backend, one per call (not per attempt), retries and backoff "
                                + "included, by how they ended")
                        .register(registry);
                timers.set(outcome, t);
            }
            return t;
        }

        Counter retries() {
            Counter c = retries;
            if (c == null) {
                c = Counter.builder("exstate.guard.retries")
                        .tags(operation)
                        .description("Extra attempts of idempotent calls")
                        .register(registry);
                retries = c;
            }
            return c;
        }
    }

    @Override
    public String toString() {
        return "ExstateMetrics guard observer" + backend.stream().map(t -> t.getKey() + "=" + t.getValue()).toList();
    }
}
