package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.codec.Codec;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica's own writes keep its near-cache entry warm (the saved state is written back, and
 * client tracking runs with NOLOOP), while another replica's writes still drop it. The proof that
 * this never serves a stale session as fresh: two replicas, each with savers, computers and
 * readers on the same session, every read checked against what was acknowledged before it began.
 */
@DisplayName("Redis near cache: own writes written back")
class RedisOwnWritesIT {
    @RegisterExtension
    static final RedisFixture<RedisServer> redis = RedisFixture.standalone("own");

    private static final int REPLICAS = 2;
    private static final Duration RUN = Duration.ofSeconds(4);

    /** What one replica's threads acknowledged, in nanoTime, and what its readers saw. */
    private static final class Acks {
        // per attribute slot: the highest value acknowledged and when (written by one thread per slot)
        final AtomicLongArray highest = new AtomicLongArray(REPLICAS + 1);
        final ConcurrentLinkedQueue<long[]> log = new ConcurrentLinkedQueue<>(); // {slot, value, ackNanos}
    }

    @Test
    @DisplayName("interleaved saves, computes and finds on two replicas: no read returns less than what was acknowledged before it, on the replica itself at once and across replicas within the freshness window; at the end both caches agree with Redis")
    void neverStaleAsFresh() throws Exception {
        Duration window = Duration.ofMillis(500);
        RedisOptions options = redis.options().freshnessWindow(window).build();
        List<RedisSessionStore> replicas = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
            replicas.add(redis.sessions(redis.state(options), RedisTesting.LONG_LIVED));
        }
        SessionId id = replicas.get(0).create(s -> s.put("n", 0L, Codec.longs())).id();
        // slot 0: "n", computed by every replica; slot 1 + r: "s<r>", saved by replica r's saver only
        Acks[] acks = {new Acks(), new Acks()};
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong computes = new AtomicLong();
        AtomicLong saves = new AtomicLong();

        ExecutorService pool = Executors.newFixedThreadPool(REPLICAS * 4);
        CountDownLatch start = new CountDownLatch(1);
        long end = System.nanoTime() + RUN.toNanos();
        List<Future<?>> work = new ArrayList<>();
        for (int r = 0; r < REPLICAS; r++) {
            int me = r;
            RedisSessionStore store = replicas.get(r);
            // saver: a read-modify-save of its own attribute, as a request does
            work.add(pool.submit(() -> {
                start.await();
                for (long v = 1; System.nanoTime() < end; v++) {
                    long value = v;
                    store.update(id, s -> s.put("s" + me, value, Codec.longs()));
                    ack(acks[me], 1 + me, value);
                    saves.incrementAndGet();
                }
                return null;
            }));
            // two computers on the shared counter
            for (int c = 0; c < 2; c++) {
                work.add(pool.submit(() -> {
                    start.await();
                    while (System.nanoTime() < end) {
                        long value = store.compute(id, "n", Codec.longs(), n -> n + 1);
                        ack(acks[me], 0, value);
                        computes.incrementAndGet();
                    }
                    return null;
                }));
            }
            // reader
            work.add(pool.submit(() -> {
                start.await();
                while (System.nanoTime() < end) {
                    long began = System.nanoTime();
                    long[] own = snapshot(acks[me]);
                    long[] others = acknowledgedBefore(acks, began - window.toNanos());
                    Session s = store.find(id).orElseThrow();
                    long[] seen = {value(s, "n"), value(s, "s0"), value(s, "s1")};
                    for (int slot = 0; slot <= REPLICAS; slot++) {
                        if (seen[slot] < own[slot]) {
                            violations.add("replica " + me + " read slot " + slot + " = " + seen[slot]
                                    + " after its own write of " + own[slot] + " was acknowledged");
                        }
                        if (seen[slot] < others[slot]) {
                            violations.add("replica " + me + " read slot " + slot + " = " + seen[slot] + " although "
                                    + others[slot] + " was acknowledged more than the freshness window before");
                        }
                    }
                    reads.incrementAndGet();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : work) {
            f.get(RUN.toSeconds() + 60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        System.out.printf("[own-writes] %d saves, %d computes, %d reads on 2 replicas; hits %s / %s%n", saves.get(),
                computes.get(), reads.get(), replicas.get(0).nearCacheStats().orElseThrow(),
                replicas.get(1).nearCacheStats().orElseThrow());
        assertThat(violations).as("reads that returned less than was acknowledged before them").isEmpty();
        assertThat(saves.get()).isPositive();
        assertThat(computes.get()).isPositive();

        Map<String, byte[]> stored = redis.raw().sessionAttributes(redis.keys(), id).orElseThrow();
        long[] inRedis = {decode(stored.get("n")), decode(stored.get("s0")), decode(stored.get("s1"))};
        assertThat(inRedis[0]).as("every acknowledged compute counted once").isEqualTo(computes.get());
        for (RedisSessionStore store : replicas) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Session s = store.find(id).orElseThrow();
                assertThat(new long[] {value(s, "n"), value(s, "s0"), value(s, "s1")}).as("a replica's view once writes stop")
                        .containsExactly(inRedis);
            });
        }
    }

    @Test
    @DisplayName("a save keeps this replica's entry, another replica's save drops it")
    void ownSaveKeepsEntryOthersDropIt() {
        RedisSessionStore a = redis.sessions(redis.state(), RedisTesting.LONG_LIVED);
        RedisSessionStore b = redis.sessions(redis.state(), RedisTesting.LONG_LIVED);
        SessionId id = a.create(s -> s.putString("k", "1")).id();
        RedisSessionIT.cacheIt(a, id);
        RedisSessionIT.cacheIt(b, id);

        long misses = a.nearCacheStats().orElseThrow().misses();
        a.update(id, s -> s.putString("k", "2"));
        assertThat(a.find(id).orElseThrow().getString("k")).contains("2");
        assertThat(a.nearCacheStats().orElseThrow().misses()).as("misses on A after its own save").isEqualTo(misses);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(b.find(id).orElseThrow().getString("k")).as("B after A's save").contains("2"));
        b.update(id, s -> s.putString("k", "3"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(a.find(id).orElseThrow().getString("k")).as("A after B's save").contains("3"));
        // and A keeps hearing of B: its own writes did not end Redis's tracking of the key for it
        a.update(id, s -> s.putString("k", "4"));
        b.update(id, s -> s.putString("k", "5"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(a.find(id).orElseThrow().getString("k")).as("A after its own save and B's").contains("5"));
    }

    private static void ack(Acks acks, int slot, long value) {
        acks.highest.accumulateAndGet(slot, value, Math::max);
        acks.log.add(new long[] {slot, value, System.nanoTime()});
    }

    private static long[] snapshot(Acks acks) {
        long[] out = new long[REPLICAS + 1];
        for (int i = 0; i <= REPLICAS; i++) {
            out[i] = acks.highest.get(i);
        }
        return out;
    }

    /** Per slot, the highest value any replica had acknowledged before {@code nanos}. */
    private static long[] acknowledgedBefore(Acks[] all, long nanos) {
        long[] out = new long[REPLICAS + 1];
        for (Acks acks : all) {
            for (long[] a : acks.log) {
                if (a[2] - nanos < 0) {
                    out[(int) a[0]] = Math.max(out[(int) a[0]], a[1]);
                }
            }
        }
        return out;
    }

    private static long value(Session s, String name) {
        return s.get(name, Codec.longs()).orElse(0L);
    }

    private static long decode(byte[] stored) {
        return stored == null ? 0 : Codec.longs().decode(stored);
    }
}
