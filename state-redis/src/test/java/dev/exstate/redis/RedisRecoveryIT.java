package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.codec.Codec;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.health.BackendHealth;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.backend.RespConnection;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two replicas read cached sessions at about 100 reads/s each, and write at 20 writes/s each,
 * while the real redis-server is paused (SIGSTOP) for 7 s, or killed (SIGKILL) and restarted on
 * the same port. Every outcome is recorded with its time. The production guard policy is used,
 * so its 5 s open wait would dominate recovery if the breaker waited it out.
 *
 * <p>What is checked: no read of a session cached before the fault fails (the near cache serves
 * it stale meanwhile); no read returns, as fresh, a value Redis no longer holds; both replicas
 * are ready again and write again after Redis answers. The recovery times are printed: they are
 * measured from the first moment Redis answers PING again to the first UP readiness and to the
 * first write that succeeds.
 */
@DisplayName("Redis recovery: cached reads through a fault, readiness and writes back as soon as Redis answers")
class RedisRecoveryIT {
    private static final Logger log = LoggerFactory.getLogger(RedisRecoveryIT.class);
    private static final int KEYS = 20;
    private static final Duration FAULT = Duration.ofSeconds(7);
    private static final long READ_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long WRITE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);
    /** "Never happened", for times taken from System.nanoTime(), which may be negative. */
    private static final long NEVER = Long.MIN_VALUE;

    @RegisterExtension
    static final RedisFixture<RedisServer> fixture = RedisFixture.faults("recovery");

    private Replica replica(String name, String uri) {
        RedisState state = fixture.state(fixture.options(uri).guardPolicy(GuardPolicy.defaults()).build());
        return new Replica(name, state, fixture.sessions(state));
    }

    record Replica(String name, RedisState state, RedisSessionStore store) {
        BackendHealth.Status status() {
            return state.health().health().status();
        }

        long staleServed() {
            return store.nearCacheStats().orElseThrow().staleServed();
        }
    }

    /** One read: when it started and ended (System.nanoTime), what it returned, and whether it was the stale fallback. */
    record Read(String replica, int key, long start, long end, boolean present, String value, boolean stale, String failure) {
    }

    record Write(String replica, long start, long end, String failure) {
    }

    /** The read and write loops of both replicas, and a readiness monitor. */
    static final class Load implements AutoCloseable {
        final List<Read> reads = Collections.synchronizedList(new ArrayList<>());
        final List<Write> writes = Collections.synchronizedList(new ArrayList<>());
        final List<long[]> readiness = Collections.synchronizedList(new ArrayList<>()); // {replica index, time, status ordinal}
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Load(List<Replica> replicas, List<SessionId> ids) {
            for (int r = 0; r < replicas.size(); r++) {
                Replica replica = replicas.get(r);
                Session writerSession = replica.store().create();
                threads.add(loop("reader-" + replica.name(), READ_EVERY_NANOS, i -> read(replica, ids, i)));
                threads.add(loop("writer-" + replica.name(), WRITE_EVERY_NANOS, i -> write(replica, writerSession, i)));
            }
            threads.add(loop("readiness", TimeUnit.MILLISECONDS.toNanos(2), i -> {
                for (int r = 0; r < replicas.size(); r++) {
                    readiness.add(new long[] {r, System.nanoTime(), replicas.get(r).status().ordinal()});
                }
            }));
            threads.forEach(Thread::start);
        }

        private Thread loop(String name, long everyNanos, java.util.function.IntConsumer step) {
            Thread t = new Thread(() -> {
                long next = System.nanoTime();
                for (int i = 0; !stop.get(); i++) {
                    step.accept(i);
                    next += everyNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    } else {
                        next = System.nanoTime(); // behind (a call blocked): do not burst to catch up
                    }
                }
            }, "exstate-test-" + name);
            t.setDaemon(true);
            return t;
        }

        private void read(Replica replica, List<SessionId> ids, int i) {
            int key = i % ids.size();
            long staleBefore = replica.staleServed();
            long start = System.nanoTime();
            try {
                Optional<Session> found = replica.store().find(ids.get(key));
                long end = System.nanoTime();
                // one reader per replica, and nothing else reads there: the counter moved for this read only
                boolean stale = replica.staleServed() > staleBefore;
                reads.add(new Read(replica.name(), key, start, end, found.isPresent(),
                        found.flatMap(s -> s.getString("v")).orElse(null), stale, null));
            } catch (RuntimeException e) {
                reads.add(new Read(replica.name(), key, start, System.nanoTime(), false, null, false, e.toString()));
            }
        }

        private void write(Replica replica, Session session, int i) {
            long start = System.nanoTime();
            try {
                session.putString("n", Integer.toString(i));
                replica.store().save(session);
                writes.add(new Write(replica.name(), start, System.nanoTime(), null));
            } catch (RuntimeException e) {
                writes.add(new Write(replica.name(), start, System.nanoTime(), e.toString()));
            }
        }

        /** First moment at or after {@code from} that replica {@code r} reported UP. */
        long firstUp(int r, long from) {
            synchronized (readiness) {
                for (long[] sample : readiness) {
                    if (sample[0] == r && sample[1] - from >= 0 && sample[2] == BackendHealth.Status.UP.ordinal()) {
                        return sample[1];
                    }
                }
            }
            return NEVER;
        }

        /** End of the first write of {@code replica} that succeeded at or after {@code from}. */
        long firstWriteOk(String replica, long from) {
            synchronized (writes) {
                return writes.stream().filter(w -> w.replica().equals(replica) && w.failure() == null && w.end() - from >= 0)
                        .mapToLong(Write::end).reduce((x, y) -> y - x < 0 ? y : x).orElse(NEVER);
            }
        }

        List<Read> reads() {
            synchronized (reads) {
                return List.copyOf(reads);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }

    private List<SessionId> cachedSessions(List<Replica> replicas) {
        Replica writer = replicas.get(0);
        List<SessionId> ids = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            Session s = writer.store().create();
            s.putString("v", "1");
            writer.store().save(s);
            ids.add(s.id());
        }
        for (Replica r : replicas) {
            for (SessionId id : ids) {
                RedisSessionIT.cacheIt(r.store(), id);
            }
        }
        return ids;
    }

    /** Polls PING (fresh connection each time) until answered; returns when the answered attempt began. */
    private static long firstAnsweredPing(String host, int port) {
        long[] answeredAt = {NEVER};
        await().atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
            long start = System.nanoTime();
            try (RespConnection c = RespConnection.open(host, port, Duration.ofMillis(200))) {
                if ("PONG".equals(c.call("PING"))) {
                    answeredAt[0] = start;
                    return true;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            return false;
        });
        return answeredAt[0];
    }

    private static void awaitUntil(String what, BooleanSupplier condition) {
        await(what).atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(5)).until(condition::getAsBoolean);
    }

    /** Waits for readiness and a successful write on both replicas after {@code answered}; prints and returns the times. */
    private static void awaitRecoveryAndReport(String fault, List<Replica> replicas, Load load, long answered) {
        for (int r = 0; r < replicas.size(); r++) {
            int index = r;
            Replica replica = replicas.get(r);
            awaitUntil(replica.name() + " ready", () -> load.firstUp(index, answered) != NEVER);
            awaitUntil(replica.name() + " writes again", () -> load.firstWriteOk(replica.name(), answered) != NEVER);
        }
        for (int r = 0; r < replicas.size(); r++) {
            Replica replica = replicas.get(r);
            log.info("[recovery] {}: replica {} ready (UP) {} ms and first write succeeded {} ms after Redis answered PING again",
                    fault, replica.name(), ms(load.firstUp(r, answered) - answered),
                    ms(load.firstWriteOk(replica.name(), answered) - answered));
        }
    }

    private static void report(String fault, Load load, long faultStart, long answered) {
        List<Read> reads = load.reads();
        long during = reads.stream().filter(r -> r.start() - faultStart >= 0 && r.start() - answered < 0).count();
        long after = reads.stream().filter(r -> r.start() - answered >= 0).count();
        long stale = reads.stream().filter(Read::stale).count();
        long staleAfter = reads.stream().filter(r -> r.stale() && r.start() - answered >= 0).count();
        long failed = reads.stream().filter(r -> r.failure() != null).count();
        long writesFailed = load.writes.stream().filter(w -> w.failure() != null).count();
        log.info("[recovery] {}: {} reads ({} during the fault, {} after Redis answered), {} served stale ({} of them after), "
                        + "{} failed; {} writes, {} failed",
                fault, reads.size(), during, after, stale, staleAfter, failed, load.writes.size(), writesFailed);
    }

    private static void assertNoCachedReadFailed(Load load) {
        List<Read> failed = load.reads().stream().filter(r -> r.failure() != null).toList();
        assertThat(failed).as("reads of sessions cached before the fault that failed (first shown)")
                .extracting(Read::failure).isEmpty();
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Test
    @DisplayName("Redis paused 7 s: cached reads never fail, nothing but the held value is read, ready and writing again right after it answers")
    void pause() throws Exception {
        RedisServer redis = fixture.closeAfter(RedisServer.builder().start());
        List<Replica> replicas = List.of(replica("A", redis.uri()), replica("B", redis.uri()));
        List<SessionId> ids = cachedSessions(replicas);

        long faultStart;
        long answered;
        Load load = fixture.closeAfter(new Load(replicas, ids));
        try {
            Thread.sleep(1_000);
            faultStart = System.nanoTime();
            redis.pause();
            try {
                Thread.sleep(FAULT.toMillis());
            } finally {
                redis.resume();
            }
            answered = firstAnsweredPing(redis.host(), redis.port());
            awaitRecoveryAndReport("SIGSTOP " + FAULT.toSeconds() + " s", replicas, load, answered);
            Thread.sleep(1_000);
        } finally {
            load.close();
        }
        report("SIGSTOP", load, faultStart, answered);

        assertNoCachedReadFailed(load);
        assertThat(load.reads()).as("reads that answered").filteredOn(r -> r.failure() == null)
                .allSatisfy(r -> assertThat(r.value()).as("Redis held v=1 throughout").isEqualTo("1"));
        assertThat(load.reads()).as("reads during the pause were answered stale by the near cache")
                .anyMatch(r -> r.stale() && r.start() - faultStart > 0);
    }

    @Test
    @DisplayName("Redis killed and restarted: cached reads never fail, no value Redis no longer holds is served as fresh, ready and writing right after it answers")
    void killAndRestart() throws Exception {
        RedisServer redis = fixture.closeAfter(RedisServer.builder().durable().start());
        // the replicas reach Redis through a proxy that keeps them away until the test has changed
        // every cached session behind their back: only re-reading can reveal the change
        FaultProxy proxy = fixture.closeAfter(FaultProxy.to(redis.host(), redis.port()));
        List<Replica> replicas = List.of(replica("A", proxy.uri("redis")), replica("B", proxy.uri("redis")));
        List<SessionId> ids = cachedSessions(replicas);

        long faultStart;
        long changed;
        long answered;
        Load load = fixture.closeAfter(new Load(replicas, ids));
        try {
            Thread.sleep(1_000);
            proxy.refuseNew(true);
            faultStart = System.nanoTime();
            redis.kill();
            Thread.sleep(FAULT.toMillis() - 1_000);
            redis.restart();
            try (RawRedis raw = RawRedis.standalone(redis.uri())) {
                for (SessionId id : ids) {
                    raw.commands().hset(fixture.keys().session(id), RedisKeys.attributeField("v"), Codec.utf8().encode("2"));
                }
            }
            changed = System.nanoTime();
            proxy.refuseNew(false);
            answered = firstAnsweredPing(proxy.host(), proxy.port());
            awaitRecoveryAndReport("kill -9 + restart after " + FAULT.toSeconds() + " s", replicas, load, answered);
            Thread.sleep(1_000);
        } finally {
            load.close();
        }
        report("kill -9 + restart", load, faultStart, answered);

        assertNoCachedReadFailed(load);
        List<Read> servedOldAsFresh = load.reads().stream()
                .filter(r -> r.start() - changed > 0 && r.failure() == null && !r.stale() && "1".equals(r.value()))
                .toList();
        assertThat(servedOldAsFresh).as("reads begun after Redis held v=2 that returned v=1 as fresh").isEmpty();
        assertThat(load.reads()).as("reads during the outage were answered stale by the near cache")
                .anyMatch(r -> r.stale() && r.start() - faultStart > 0);
        for (Replica r : replicas) {
            for (SessionId id : ids) {
                assertThat(r.store().findFresh(id).orElseThrow().getString("v")).contains("2");
            }
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> {
                for (SessionId id : ids) {
                    assertThat(r.store().find(id).orElseThrow().getString("v")).as(r.name()).contains("2");
                }
            });
        }
    }
}
