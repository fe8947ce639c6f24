package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.guard.CircuitOpenException;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions and leases while the real redis-server misbehaves: paused (SIGSTOP), killed (SIGKILL)
 * and restarted, slowed down or cut off by the fault proxy. Each test has its own server.
 */
@DisplayName("Redis providers under faults")
class RedisFaultIT {
    private static final Logger log = LoggerFactory.getLogger(RedisFaultIT.class);

    /**
     * Short deadlines so faults show quickly; the breaker judges the last 20 calls (at least 15),
     * so the first few failures in a test are real timeouts rather than fail-fast refusals.
     */
    static final GuardPolicy POLICY = GuardPolicy.builder()
            .timeout(Duration.ofMillis(300))
            .totalTimeout(Duration.ofMillis(700))
            .slidingWindowSize(20)
            .minimumNumberOfCalls(15)
            .failureRateThreshold(50)
            .waitInOpenState(Duration.ofSeconds(1))
            .permittedCallsInHalfOpenState(2)
            .maxStaleness(Duration.ofSeconds(30))
            .build();
    /**
     * Bound on waits for something another thread or process must do. Never a speed assertion:
     * a call that returns at all while Redis is paused did not wait for Redis.
     */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisFixture<RedisServer> fixture = RedisFixture.faults("fault");
    private RedisServer redis;

    /** Starts this test's server, closed after the test. */
    private RedisServer redis(RedisServer.Builder builder) {
        redis = fixture.closeAfter(builder.start());
        return redis;
    }

    /** Starts this test's server and a fault proxy in front of it. */
    private FaultProxy proxied(RedisServer.Builder builder) {
        redis(builder);
        return fixture.closeAfter(FaultProxy.to(redis.host(), redis.port()));
    }

    private RedisState state(String uri) {
        return fixture.state(fixture.options(uri).guardPolicy(POLICY)
                .heartbeatInterval(Duration.ofMillis(200)).commandTimeout(Duration.ofSeconds(1)).build());
    }

    private RedisSessionStore sessions(RedisState state) {
        return fixture.sessions(state);
    }

    private static BackendHealth.Status status(RedisState state) {
        return state.health().health().status();
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Runs {@code call}, which must throw {@code type}; returns how long it took. */
    private static Duration timeToFail(Class<? extends Throwable> type, Runnable call) {
        long t0 = System.nanoTime();
        try {
            call.run();
        } catch (Throwable e) {
            Duration took = since(t0);
            log.info("failed as expected after {} ms: {}", took.toMillis(), e.toString());
            assertThat(e).isInstanceOf(type);
            return took;
        }
        throw new AssertionError("expected " + type.getSimpleName() + " but the call succeeded");
    }

    private static boolean succeeds(Runnable call) {
        try {
            call.run();
            return true;
        } catch (StateUnavailableException e) {
            return false;
        }
    }

    private static String value(RedisSessionStore store, SessionId id) {
        return store.find(id).orElseThrow().getString("k").orElse(null);
    }

    private static void write(RedisSessionStore store, SessionId id, String value) {
        Session s = store.find(id).orElseThrow();
        s.putString("k", value);
        store.save(s);
    }

    /**
     * Waits until reads of {@code id} work again and the replica is ready. Reads of unknown ids
     * (never cached, so they always reach Redis) keep going meanwhile: a half-open breaker closes
     * only after its probe calls succeeded.
     */
    private static void awaitRecovered(RedisState state, RedisSessionStore store, SessionId id) {
        AtomicReference<String> last = new AtomicReference<>("nothing tried");
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                try {
                    store.find(SessionId.generate());
                    store.find(id);
                } catch (StateUnavailableException e) {
                    last.set(e.getMessage());
                    return false;
                }
                last.set("health " + state.health().health());
                return status(state) == BackendHealth.Status.UP;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not recovered; last: " + last.get(), e);
        }
    }

    /** Caches {@code id} on {@code reader}, lets {@code writer} change it and waits for {@code reader} to see it. */
    private static void assertInvalidationReaches(RedisSessionStore reader, RedisSessionStore writer, SessionId id, String newValue) {
        RedisSessionIT.cacheIt(reader, id);

        write(writer, id, newValue);

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertThat(value(reader, id)).isEqualTo(newValue));
    }

    @Nested
    @DisplayName("sessions")
    class Sessions {

        @Test
        @DisplayName("paused Redis: cached reads served stale, others fail within the timeout, then fast; recovery without restart")
        void pausedRedis() {
            redis(RedisServer.builder());
            RedisState stateA = state(redis.uri());
            RedisSessionStore a = sessions(stateA);
            RedisSessionStore b = sessions(state(redis.uri()));
            Session cached = a.create(n -> n.putString("k", "v1"));
            RedisSessionIT.cacheIt(a, cached.id());
            assertThat(value(a, cached.id())).isEqualTo("v1");
            SessionId uncached = b.create().id();
            assertThat(status(stateA)).isEqualTo(BackendHealth.Status.UP);

            redis.pause();
            try {
                long paused = System.nanoTime();
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
                        .until(() -> status(stateA) == BackendHealth.Status.DOWN);
                Duration notReady = since(paused);

                long t0 = System.nanoTime();
                Optional<Session> stale = a.find(cached.id());
                Duration staleRead = since(t0);
                assertThat(stale).isPresent();
                assertThat(stale.get().getString("k")).contains("v1");
                assertThat(a.nearCacheStats().orElseThrow().staleServed()).isPositive();

                cached.putString("k", "written-while-paused");
                // Redis stays paused: these calls return only because the guard's deadline ends them
                Duration write = timeToFail(StateUnavailableException.class, () -> a.save(cached));
                Duration uncachedRead = timeToFail(StateUnavailableException.class, () -> a.find(uncached));

                AtomicReference<Duration> fastFail = new AtomicReference<>();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1)).until(() -> {
                    long t = System.nanoTime();
                    try {
                        a.find(uncached);
                    } catch (CircuitOpenException e) {
                        fastFail.set(since(t));
                        return true;
                    } catch (StateUnavailableException e) {
                        return false;
                    }
                    return false;
                });
                // a CircuitOpenException is thrown before any command is sent: it never waits for Redis
                assertThat(a.find(cached.id())).as("cached reads are still served while the breaker is open").isPresent();
                assertThat(status(stateA)).isEqualTo(BackendHealth.Status.DOWN);
                log.info("paused redis: not ready after {} ms; stale read {} ms; uncached read failed after {} ms; "
                                + "write failed after {} ms; with the breaker open a call failed after {} ms",
                        notReady.toMillis(), staleRead.toMillis(), uncachedRead.toMillis(), write.toMillis(), fastFail.get().toMillis());
            } finally {
                redis.resume();
            }

            long resumed = System.nanoTime();
            awaitRecovered(stateA, a, uncached);
            log.info("paused redis: ready again {} ms after resume", since(resumed).toMillis());

            // no stale value afterwards: another replica's writes reach this replica's cache again
            write(b, cached.id(), "v3");
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5))
                    .untilAsserted(() -> assertThat(value(a, cached.id())).isEqualTo("v3"));
            assertInvalidationReaches(a, b, cached.id(), "v4");
        }

        @Test
        @DisplayName("kill -9 and restart of a durable Redis: every acknowledged write survives and clients reconnect")
        void killAndRestartKeepsAcknowledgedWrites() {
            redis(RedisServer.builder().durable());
            RedisState stateA = state(redis.uri());
            RedisSessionStore a = sessions(stateA);
            RedisSessionStore b = sessions(state(redis.uri()));
            List<SessionId> ids = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String value = "value-" + i;
                ids.add((i % 2 == 0 ? a : b).create(n -> n.putString("k", value)).id());
            }

            redis.kill();
            long killed = System.nanoTime();
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
                    .until(() -> status(stateA) == BackendHealth.Status.DOWN);
            redis.restart();

            awaitRecovered(stateA, a, ids.get(0));
            log.info("kill -9: replica ready again {} ms after the kill (restart included)", since(killed).toMillis());
            for (int i = 0; i < ids.size(); i++) {
                assertThat(value(i % 2 == 0 ? b : a, ids.get(i))).as("session %d", i).isEqualTo("value-" + i);
            }
            assertInvalidationReaches(a, b, ids.get(0), "after-restart");
        }

        @Test
        @DisplayName("latency above the timeout gives StateTimeoutException; after a reset the client reconnects and tracking works")
        void proxyLatencyThenReset() {
            FaultProxy proxy = proxied(RedisServer.builder());
            RedisState stateA = state(proxy.uri("redis"));
            RedisSessionStore a = sessions(stateA);
            RedisSessionStore b = sessions(state(redis.uri()));
            Session s = b.create(n -> n.putString("k", "v1"));

            proxy.latency(Duration.ofSeconds(1));
            // a timeout from the guard, not the slow answer (which would be a success) nor Lettuce's 1 s backstop
            Duration slow = timeToFail(StateTimeoutException.class, () -> a.find(s.id()));
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
                    .until(() -> status(stateA) == BackendHealth.Status.DOWN);

            proxy.latency(Duration.ZERO);
            long reset = System.nanoTime();
            proxy.resetAll();
            awaitRecovered(stateA, a, s.id());
            log.info("fault proxy: find failed with a timeout after {} ms at 1 s latency; ready {} ms after resetAll",
                    slow.toMillis(), since(reset).toMillis());

            assertThat(value(a, s.id())).isEqualTo("v1");
            assertInvalidationReaches(a, b, s.id(), "v2");
        }

        @Test
        @DisplayName("a connection reset while a session is cached: the cached copy is re-read, never served as fresh, and tracking is on again")
        void resetWhileCached() {
            FaultProxy proxy = proxied(RedisServer.builder());
            RedisState stateA = state(proxy.uri("redis"));
            RedisSessionStore a = sessions(stateA);
            RedisSessionStore b = sessions(state(redis.uri()));
            Session s = a.create(n -> n.putString("k", "v1"));
            RedisSessionIT.cacheIt(a, s.id());
            assertThat(value(a, s.id())).isEqualTo("v1");

            proxy.resetAll();
            // written while this replica may be reconnecting: it must not keep serving v1
            write(b, s.id(), "v2");

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                    .ignoreException(StateUnavailableException.class)
                    .untilAsserted(() -> assertThat(value(a, s.id())).isEqualTo("v2"));
            awaitRecovered(stateA, a, s.id());
            assertInvalidationReaches(a, b, s.id(), "v3");
        }
    }

    @Nested
    @DisplayName("leases")
    class Leases {

        @Test
        @DisplayName("a holder cut off from Redis knows its lease is invalid before another replica can take it")
        void blackholedHolderLosesLeaseFirst() {
            FaultProxy proxy = proxied(RedisServer.builder());
            RedisState stateA = state(proxy.uri("redis"));
            RedisLeaseProvider a = fixture.leases(stateA);
            RedisLeaseProvider b = fixture.leases(state(redis.uri()));
            String name = "billing-run";
            // renewals every 200 ms of a 2 s lease: a late renewer thread cannot lose it before the cut
            Lease held = a.tryAcquire(name, LeaseOptions.builder(Duration.ofSeconds(2)).renewEvery(Duration.ofMillis(200)).build())
                    .orElseThrow();
            AtomicBoolean lost = new AtomicBoolean();
            held.onLost(() -> lost.set(true));
            assertThat(b.tryAcquire(name, Duration.ofSeconds(1))).isEmpty();

            proxy.blackhole(true);
            long cut = System.nanoTime();
            AtomicReference<Lease> taken = new AtomicReference<>();
            AtomicBoolean oldValidWhenTaken = new AtomicBoolean(true);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
                Optional<Lease> got = b.tryAcquire(name, Duration.ofSeconds(5));
                got.ifPresent(l -> {
                    oldValidWhenTaken.set(held.isValid());
                    taken.set(l);
                });
                return got.isPresent();
            });
            log.info("blackholed lease holder: another replica acquired after {} ms", since(cut).toMillis());

            assertThat(oldValidWhenTaken).as("the cut-off holder believed it held the lease when another took it").isFalse();
            assertThat(taken.get().fencingToken()).isGreaterThan(held.fencingToken());
            await().atMost(PATIENCE).untilTrue(lost);
            assertThat(status(stateA)).isEqualTo(BackendHealth.Status.DOWN);
            // the dropped bytes broke the stream; a reset lets the client start clean
            proxy.heal();
            proxy.resetAll();
        }

        @Test
        @DisplayName("two replicas contending 300 times through two Redis connections never both hold a lease; tokens increase")
        void contention() throws Exception {
            redis(RedisServer.builder());
            RedisLeaseProvider a = fixture.leases(state(redis.uri()));
            RedisLeaseProvider b = fixture.leases(state(redis.uri()));
            String name = "contended";
            AtomicReference<Lease> holder = new AtomicReference<>();
            AtomicBoolean overlap = new AtomicBoolean();
            List<Long> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (RedisLeaseProvider p : List.of(a, b, a, b)) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < 75; i++) {
                        Optional<Lease> got = p.tryAcquire(name, LeaseOptions.builder(Duration.ofSeconds(5)).autoRenew(false).build());
                        if (got.isEmpty()) {
                            continue;
                        }
                        Lease lease = got.get();
                        if (!holder.compareAndSet(null, lease)) {
                            overlap.set(true);
                        }
                        tokens.add(lease.fencingToken());
                        holder.compareAndSet(lease, null);
                        lease.release();
                    }
                }, "exstate-test-contender");
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(60_000);
            }

            assertThat(overlap).isFalse();
            assertThat(tokens).isNotEmpty();
            List<Long> sorted = new ArrayList<>(tokens);
            sorted.sort(null);
            assertThat(sorted).doesNotHaveDuplicates();
            assertThat(tokens).as("tokens in the order the holders got them").isSortedAccordingTo(Long::compare);
        }
    }
}
