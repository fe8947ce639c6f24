package dev.exstate.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobStore;
import dev.exstate.budget.BudgetOptions;
import dev.exstate.budget.ConnectionBudget;
import dev.exstate.cache.NearCache;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.guard.CircuitOpenException;
import dev.exstate.guard.Fallback;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.time.ManualClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The meters, driven by real calls on the in-memory runtime and read from a
 * {@link SimpleMeterRegistry}. Time that is the subject moves by a manual clock.
 */
@DisplayName("ExstateMetrics")
class ExstateMetricsTest {
    private static final String APP = "shop";
    private static final Operation CHARGE = Operation.nonIdempotent("payment.charge");
    private static final Operation LOOKUP = Operation.idempotent("payment.lookup");
    /** Deadlines far beyond any call's real duration, so only a body that hangs times out. */
    private static final GuardPolicy POLICY = GuardPolicy.builder()
            .timeout(Duration.ofSeconds(10))
            .totalTimeout(Duration.ofSeconds(20))
            .retryBackoff(Duration.ofMillis(1))
            .maxRetries(2)
            .slidingWindowSize(4)
            .minimumNumberOfCalls(4)
            .waitInOpenState(Duration.ofSeconds(5))
            .permittedCallsInHalfOpenState(1)
            .build();

    private final ManualClock clock = new ManualClock();
    private final InMemoryBackend backend = InMemoryBackend.create(clock);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private final MeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private StateRuntime runtime(StateRuntime.Builder builder) {
        StateRuntime runtime = builder.build();
        closeAfter.add(runtime);
        return runtime;
    }

    /** The runtime every nested test measures, bound to {@link #registry}. */
    private StateRuntime bound() {
        StateRuntime runtime = runtime(StateRuntime.builder(APP).inMemory(backend).guardPolicy("payments", POLICY));
        new ExstateMetrics(runtime).bindTo(registry);
        return runtime;
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5));
    }

    private Timer calls(String backend, Operation op, String outcome) {
        return registry.get("exstate.guard.calls")
                .tags(ExstateMetrics.APP_TAG, APP, "backend", backend, "operation", op.name(), "outcome", outcome).timer();
    }

    private double breaker(String backend, String state) {
        return registry.get("exstate.guard.breaker.state").tags("backend", backend, "state", state).gauge().value();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Nested
    @DisplayName("guarded calls")
    class Guards {

        @Test
        @DisplayName("a call that succeeds is one timer sample tagged app, backend, operation and outcome=success")
        void success() {
            Guard payments = bound().guard("payments");

            assertThat(payments.call(CHARGE, () -> "ok")).isEqualTo("ok");

            Timer t = calls("payments", CHARGE, "success");
            assertThat(t.count()).isEqualTo(1);
            assertThat(t.totalTime(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(t.getId().getBaseUnit()).isEqualTo("seconds");
            assertThat(registry.find("exstate.guard.calls").tag("outcome", "failure").timer()).isNull();
        }

        @Test
        @DisplayName("a call that runs out of time is outcome=timeout and one timed-out attempt")
        void timeout() {
            StateRuntime runtime = runtime(StateRuntime.builder(APP).inMemory(backend).guardPolicy("slow",
                    POLICY.toBuilder().timeout(Duration.ofMillis(100)).totalTimeout(Duration.ofMillis(100)).build()));
            new ExstateMetrics(runtime).bindTo(registry);
            Guard slow = runtime.guard("slow");

            assertThatThrownBy(() -> slow.call(CHARGE, () -> {
                Thread.sleep(60_000); // interrupted at the deadline: the call returns at 100 ms
                return "late";
            })).isInstanceOf(StateTimeoutException.class);

            assertThat(calls("slow", CHARGE, "timeout").count()).isEqualTo(1);
            assertThat(counter("exstate.guard.timeouts", "backend", "slow")).isEqualTo(1);
        }

        @Test
        @DisplayName("a hedged read counts one hedge sent, and one won when the second attempt answers")
        void hedges() {
            StateRuntime runtime = runtime(StateRuntime.builder(APP).inMemory(backend).guardPolicy("hedged",
                    POLICY.toBuilder().hedgeAfter(Duration.ofMillis(1)).build()));
            new ExstateMetrics(runtime).bindTo(registry);
            Guard hedged = runtime.guard("hedged");
            java.util.concurrent.CompletableFuture<String> stalled = new java.util.concurrent.CompletableFuture<>();
            int[] bodies = {0};

            assertThat(hedged.await(Operation.read("profile.get"), () -> bodies[0]++ == 0 ? stalled
                    : java.util.concurrent.CompletableFuture.completedFuture("second"))).isEqualTo("second");

            assertThat(counter("exstate.guard.hedges", "backend", "hedged", "result", "sent")).isEqualTo(1);
            assertThat(counter("exstate.guard.hedges", "backend", "hedged", "result", "won")).isEqualTo(1);
        }

        @Test
        @DisplayName("a retried call counts its retries by operation and is timed once, as it ended")
        void retry() {
            Guard payments = bound().guard("payments");
            int[] attempts = {0};

            String v = payments.call(LOOKUP, () -> {
                if (++attempts[0] == 1) {
                    throw new IOException("connection reset");
                }
                return "found";
            });

            assertThat(v).isEqualTo("found");
            assertThat(registry.get("exstate.guard.retries").tags("backend", "payments", "operation", LOOKUP.name())
                    .counter().count()).isEqualTo(1);
            assertThat(calls("payments", LOOKUP, "success").count()).isEqualTo(1);
        }

        @Test
        @DisplayName("a failed call answered by a fallback is outcome=fallback; without one it is outcome=failure")
        void fallbackAndFailure() {
            Guard payments = bound().guard("payments");

            assertThat(payments.call(CHARGE, () -> {
                throw new IOException("connection refused");
            }, Fallback.value("queued"))).isEqualTo("queued");
            assertThatThrownBy(() -> payments.call(CHARGE, () -> {
                throw new IOException("connection refused");
            })).isInstanceOf(StateUnavailableException.class);
            assertThatThrownBy(() -> payments.call(CHARGE, () -> {
                throw new IllegalArgumentException("amount must be positive");
            })).isInstanceOf(IllegalArgumentException.class);

            assertThat(calls("payments", CHARGE, "fallback").count()).isEqualTo(1);
            assertThat(calls("payments", CHARGE, "failure").count()).isEqualTo(1);
            assertThat(calls("payments", CHARGE, "caller_error").count()).isEqualTo(1);
        }

        @Test
        @DisplayName("the breaker gauge follows CLOSED -> OPEN -> HALF_OPEN -> CLOSED; refused calls count as rejections")
        void breakerStates() {
            Guard payments = bound().guard("payments");
            assertThat(breaker("payments", "closed")).isEqualTo(1);
            assertThat(breaker("payments", "open")).isZero();

            for (int i = 0; i < 4; i++) {
                assertThatThrownBy(() -> payments.call(CHARGE, () -> {
                    throw new IOException("connection refused");
                })).isInstanceOf(StateUnavailableException.class);
            }
            assertThat(breaker("payments", "open")).isEqualTo(1);
            assertThat(breaker("payments", "closed")).isZero();
            assertThatThrownBy(() -> payments.call(CHARGE, () -> "never")).isInstanceOf(CircuitOpenException.class);

            assertThat(calls("payments", CHARGE, "rejected").count()).isEqualTo(1);
            assertThat(registry.get("exstate.guard.rejections").tags("backend", "payments", "reason", "circuit_open")
                    .counter().count()).isEqualTo(1);
            assertThat(registry.get("exstate.guard.rejections").tags("backend", "payments", "reason", "bulkhead_full")
                    .counter().count()).isZero();

            clock.advance(POLICY.waitInOpenState());
            payments.backendReachable();
            assertThat(breaker("payments", "half_open")).isEqualTo(1);
            assertThat(payments.call(CHARGE, () -> "ok")).isEqualTo("ok");
            assertThat(breaker("payments", "closed")).isEqualTo(1);
            assertThat(breaker("payments", "half_open") + breaker("payments", "open")).isZero();
        }

        @Test
        @DisplayName("a guard the runtime creates after binding is measured too, as are guards given one by one")
        void laterAndStandaloneGuards() {
            StateRuntime runtime = bound();
            Guard later = runtime.guard("later");
            later.call(CHARGE, () -> "ok");
            Guard own = Guard.create("own", POLICY);
            closeAfter.add(own);
            ExstateMetrics.builder(APP).guard(own).build().bindTo(registry);
            own.call(CHARGE, () -> "ok");

            assertThat(calls("later", CHARGE, "success").count()).isEqualTo(1);
            assertThat(calls("own", CHARGE, "success").count()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("near cache")
    class NearCaches {

        @Test
        @DisplayName("gets are counted as hit, miss or stale; invalidations, evictions and size as they happen")
        void getsAndSize() {
            StateRuntime runtime = bound();
            NearCache<String, String> cache = NearCache.<String, String>builder("profiles")
                    .maximumSize(2).clock(clock).build();
            ExstateMetrics.builder(APP).nearCache(cache).build().bindTo(registry);
            Guard payments = runtime.guard("payments");

            cache.get("ada", k -> "Ada");       // miss, loaded
            cache.get("ada", k -> "never");     // hit
            cache.getIfPresent("bob");          // miss
            String served = payments.call(LOOKUP, () -> {
                throw new IOException("connection refused");
            }, Fallback.staleFrom(cache, "ada"));
            assertThat(served).isEqualTo("Ada");
            cache.invalidate("ada");
            cache.put("a", "1");
            cache.put("b", "2");
            cache.put("c", "3");

            String[] profiles = {"cache", "profiles"};
            assertThat(counter("exstate.nearcache.gets", "cache", "profiles", "result", "hit")).isEqualTo(1);
            assertThat(counter("exstate.nearcache.gets", "cache", "profiles", "result", "miss")).isEqualTo(2);
            assertThat(counter("exstate.nearcache.gets", "cache", "profiles", "result", "stale")).isEqualTo(1);
            assertThat(counter("exstate.nearcache.invalidations", profiles)).isEqualTo(1);
            assertThat(counter("exstate.nearcache.evictions", profiles)).isEqualTo(1);
            assertThat(gauge("exstate.nearcache.size", profiles)).isEqualTo(2);
            assertThat(gauge("exstate.nearcache.connected", profiles)).isEqualTo(1);
            assertThat(calls("payments", LOOKUP, "fallback").count()).isEqualTo(1);
        }

        @Test
        @DisplayName("a session store without a near cache (the in-memory one) gets no near-cache meters")
        void inMemorySessionsHaveNone() {
            bound().sessions().create();

            assertThat(registry.find("exstate.nearcache.gets").meters()).isEmpty();
        }
    }

    @Nested
    @DisplayName("scheduler")
    class Scheduler {

        @Test
        @DisplayName("two replicas on one lease table: each tick is run on one and skipped on the other")
        void ticksRunAndSkipped() {
            MeterRegistry registryB = new SimpleMeterRegistry();
            StateRuntime a = bound();
            StateRuntime b = runtime(StateRuntime.builder(APP).inMemory(backend));
            new ExstateMetrics(b).bindTo(registryB);
            Duration period = Duration.ofMillis(100);
            a.scheduler().scheduleAtFixedRate("report", period, ctx -> { });
            b.scheduler().scheduleAtFixedRate("report", period, ctx -> { });

            eventually().until(() -> ticks("run", registry, registryB) == 1 && ticks("skipped", registry, registryB) == 1);
            clock.advance(period);
            eventually().until(() -> ticks("run", registry, registryB) == 2 && ticks("skipped", registry, registryB) == 2);

            assertThat(ticks("failed", registry, registryB)).isZero();
            assertThat(ticks("claim_failed", registry, registryB)).isZero();
            assertThat(registry.get("exstate.scheduler.leases.held").gauge().value()).isZero();
            assertThat(registry.get("exstate.scheduler.leases.lost").functionCounter().count()).isZero();
        }

        private double ticks(String result, MeterRegistry... registries) {
            double sum = 0;
            for (MeterRegistry r : registries) {
                sum += r.get("exstate.scheduler.ticks").tag("result", result).functionCounter().count();
            }
            return sum;
        }
    }

    @Nested
    @DisplayName("config")
    class Config {

        @Test
        @DisplayName("the revision gauge follows accepted snapshots; a rejected snapshot is counted and changes nothing")
        void revisionAndRejections() {
            StateRuntime runtime = runtime(StateRuntime.builder(APP).inMemory(backend)
                    .config(ctx -> backend.configSource(snapshot -> {
                        if (snapshot.values().containsKey("bad")) {
                            throw new ConfigValidationException("no key may be named 'bad'");
                        }
                    })));
            new ExstateMetrics(runtime).bindTo(registry);
            ConfigSource config = runtime.config();

            backend.putConfig("shop.discount", "10");
            long accepted = config.current().revision();
            assertThat(gauge("exstate.config.revision")).isEqualTo(accepted);
            assertThat(counter("exstate.config.rejections")).isZero();

            backend.putConfig("bad", "x");
            assertThat(counter("exstate.config.rejections")).isEqualTo(1);
            assertThat(gauge("exstate.config.revision")).isEqualTo(accepted);

            backend.deleteConfig("bad");
            assertThat(gauge("exstate.config.revision")).isGreaterThan(accepted);
        }
    }

    @Nested
    @DisplayName("blobs")
    class Blobs {

        @Test
        @DisplayName("bytes are counted by direction, in bytes, as they are put and read")
        void bytes() throws Exception {
            BlobStore blobs = bound().blobs();

            blobs.put("exports/a.csv", "a,b,c\n".getBytes(StandardCharsets.UTF_8));
            try (Blob blob = blobs.get("exports/a.csv").orElseThrow(); InputStream in = blob.content()) {
                assertThat(in.readAllBytes()).hasSize(6);
            }

            assertThat(counter("exstate.blob.bytes", "direction", "upload")).isEqualTo(6);
            assertThat(counter("exstate.blob.bytes", "direction", "download")).isEqualTo(6);
            assertThat(registry.get("exstate.blob.bytes").tag("direction", "upload").functionCounter().getId().getBaseUnit())
                    .isEqualTo("bytes");
        }
    }

    @Nested
    @DisplayName("connection budgets")
    class Budgets {
        private final LeaseProvider leases = backend.leaseProvider();

        private ConnectionBudget start(String resource, int connections) {
            ConnectionBudget budget = ConnectionBudget.start(leases, BudgetOptions.builder(resource, connections)
                    .pollInterval(Duration.ofMillis(20)).build(), size -> { });
            closeAfter.add(budget);
            return budget;
        }

        private double budgetGauge(String name, String resource) {
            return registry.get(name).tags(ExstateMetrics.APP_TAG, APP, "resource", resource).gauge().value();
        }

        @Test
        @DisplayName("pool size, share, permits, replicas and limit follow the budget as replicas join and leave")
        void gaugesFollowTheBudget() {
            ConnectionBudget first = start("orders-db", 4);
            ExstateMetrics.builder(APP).budget(first).build().bindTo(registry);

            assertThat(budgetGauge("exstate.budget.connections", "orders-db")).isEqualTo(4);
            eventually().untilAsserted(() -> {
                assertThat(budgetGauge("exstate.budget.pool.size", "orders-db")).isEqualTo(4);
                assertThat(budgetGauge("exstate.budget.share", "orders-db")).isEqualTo(4);
                assertThat(budgetGauge("exstate.budget.permits", "orders-db")).isEqualTo(4);
                assertThat(budgetGauge("exstate.budget.replicas", "orders-db")).isEqualTo(1);
            });

            ConnectionBudget second = start("orders-db", 4);
            eventually().untilAsserted(() -> {
                assertThat(budgetGauge("exstate.budget.replicas", "orders-db")).isEqualTo(2);
                assertThat(budgetGauge("exstate.budget.share", "orders-db")).isEqualTo(2);
                assertThat(budgetGauge("exstate.budget.pool.size", "orders-db")).isEqualTo(2);
                assertThat(budgetGauge("exstate.budget.permits", "orders-db")).isEqualTo(2);
                assertThat(second.stats().poolSize()).isEqualTo(2);
            });

            second.close();
            eventually().untilAsserted(() -> {
                assertThat(budgetGauge("exstate.budget.replicas", "orders-db")).isEqualTo(1);
                assertThat(budgetGauge("exstate.budget.pool.size", "orders-db")).isEqualTo(4);
            });
            assertThat(budgetGauge("exstate.budget.connections", "orders-db")).isEqualTo(4);
        }

        @Test
        @DisplayName("each budget is tagged with its resource, next to the runtime's meters of the same binder")
        void oneSeriesPerResource() {
            StateRuntime runtime = runtime(StateRuntime.builder(APP).inMemory(backend));
            ConnectionBudget orders = start("orders-db", 3);
            ConnectionBudget audit = start("audit-db", 1);
            ExstateMetrics.builder(APP).runtime(runtime).budget(orders).budget(audit).build().bindTo(registry);
            runtime.config();

            eventually().untilAsserted(() -> {
                assertThat(budgetGauge("exstate.budget.pool.size", "orders-db")).isEqualTo(3);
                assertThat(budgetGauge("exstate.budget.pool.size", "audit-db")).isEqualTo(1);
            });
            assertThat(registry.find("exstate.budget.pool.size").gauges()).hasSize(2);
            assertThat(registry.find("exstate.config.revision").gauge()).isNotNull();
            assertThatThrownBy(() -> ExstateMetrics.builder(APP).tags(Tags.of("resource", "x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'resource'");
        }
    }

    @Nested
    @DisplayName("binding")
    class Binding {

        @Test
        @DisplayName("nothing is built for metrics: a capability appears once the service first uses it")
        void onlyWhatIsBuilt() {
            StateRuntime runtime = bound();
            assertThat(registry.getMeters()).isEmpty();

            runtime.config();

            assertThat(registry.find("exstate.config.revision").gauge()).isNotNull();
            assertThat(registry.find("exstate.scheduler.ticks").meters()).isEmpty();
            assertThat(registry.find("exstate.blob.bytes").meters()).isEmpty();
        }

        @Test
        @DisplayName("binding the same registry twice, or a part both alone and through its runtime, counts each call once")
        void bindingTwice() {
            StateRuntime runtime = runtime(StateRuntime.builder(APP).inMemory(backend).guardPolicy("payments", POLICY));
            Guard payments = runtime.guard("payments");
            ExstateMetrics metrics = ExstateMetrics.builder(APP).runtime(runtime).guard(payments).build();
            metrics.bindTo(registry);
            metrics.bindTo(registry);
            MeterRegistry other = new SimpleMeterRegistry();
            metrics.bindTo(other);

            payments.call(CHARGE, () -> "ok");

            assertThat(calls("payments", CHARGE, "success").count()).isEqualTo(1);
            assertThat(other.get("exstate.guard.calls").tag("outcome", "success").timer().count()).isEqualTo(1);
        }

        @Test
        @DisplayName("every meter carries the app tag and the extra tags; an extra tag may not replace a meter's own")
        void tags() {
            Guard own = Guard.create("own", POLICY);
            closeAfter.add(own);
            ExstateMetrics.builder("billing").guard(own).tags(Tags.of("region", "eu-1")).build().bindTo(registry);
            own.call(CHARGE, () -> "ok");

            assertThat(registry.getMeters()).isNotEmpty().allSatisfy(m -> assertThat(m.getId().getTags())
                    .contains(Tag.of("app", "billing"), Tag.of("region", "eu-1")));
            assertThatThrownBy(() -> ExstateMetrics.builder("billing").tags(Tags.of("backend", "x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'backend'");
            assertThatThrownBy(() -> ExstateMetrics.builder(" ")).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
