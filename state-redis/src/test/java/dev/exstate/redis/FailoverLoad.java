package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.guard.StateException;
import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Load on a Redis deployment while its master fails over: for each durability ("lane"), two
 * replicas of a service ({@link RedisState} A and B) create sessions, take and release one lease,
 * and A bumps a counter session that B reads through its near cache, while readiness is sampled.
 * Afterwards every acknowledged write is looked up on the deployment, and the figures are
 * computed: time from the kill until writes, reads and leases started after it succeed, time not
 * ready, acknowledged writes lost, whether fencing tokens kept increasing, and whether B's near
 * cache served as fresh a counter value older than its freshness window allows.
 *
 * <p>Keys whose slot the failure does not touch (the other masters of a cluster) are left out of
 * the recovery figures; the counter session and the lease always live on the failed master.
 */
final class FailoverLoad implements AutoCloseable {
    private static final SessionOptions SESSIONS = RedisTesting.LONG_LIVED;
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private final List<Lane> lanes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private volatile long killedAt;

    /**
     * One lane per durability, each with its own app name under {@code fixture}'s options;
     * {@code onFailedMaster} tells whether a key lives on the master that will be killed.
     */
    FailoverLoad(RedisFixture<?> fixture, Predicate<String> onFailedMaster, RedisDurability... durabilities) {
        for (RedisDurability d : durabilities) {
            lanes.add(new Lane(fixture, d, onFailedMaster));
        }
    }

    List<Lane> lanes() {
        return lanes;
    }

    void start() {
        for (Lane lane : lanes) {
            lane.start();
        }
        Thread sampler = new Thread(() -> {
            while (running) {
                long now = System.nanoTime();
                for (Lane lane : lanes) {
                    lane.sampleReadiness(now);
                }
                pause(25);
            }
        }, "failover-readiness");
        sampler.setDaemon(true);
        threads.add(sampler);
        sampler.start();
    }

    /** Marks the moment the master is killed (call right before the kill). */
    void killing() {
        killedAt = System.nanoTime();
    }

    /** Waits until every lane's writes, reads and leases on the failed master succeeded after the kill, and both replicas are ready. */
    void awaitRecovered() {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> lanes.stream().allMatch(Lane::recovered));
    }

    /** Lets the load run a little longer, stops it, and computes the figures. */
    void stop(Duration after) {
        pause(after.toMillis());
        running = false;
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        assertThat(unexpected).as("errors other than the backend being unavailable").isEmpty();
        for (Lane lane : lanes) {
            lane.verify();
        }
    }

    /** Prints one greppable line per lane: {@code [failover] <topology> <durability>: ...}. */
    /**
     * What a failover must not break, in both lanes: leases granted and reads served after the
     * kill, tokens above every earlier grant, no stale read served as fresh (when no counter write
     * was lost, which would make even a correct near cache look stale); and with replicas(1), no
     * acknowledged write lost.
     */
    void assertGuarantees() {
        for (Lane lane : lanes()) {
            assertThat(lane.grants()).as("%s: leases granted", lane.durability).isPositive();
            assertThat(lane.readsAfterKill()).as("%s: reads after the kill", lane.durability).isPositive();
            assertThat(lane.tokensOutOfOrderCount()).as("%s: tokens not above every earlier one", lane.durability).isZero();
            if (lane.lost() == 0) {
                assertThat(lane.staleServedAsFreshCount()).as("%s: counter reads served as fresh but older than the "
                        + "freshness window", lane.durability).isZero();
            }
        }
        Lane durable = lanes().get(1);
        assertThat(durable.lost()).as("acknowledged writes lost with replicas(1)").isZero();
        assertThat(durable.staleServedAsFreshCount()).as("counter reads served as fresh but older than the freshness window")
                .isZero();
    }

    void print(String topology) {
        for (Lane lane : lanes) {
            System.out.println("[failover] " + topology + " " + lane.durability + ": " + lane.summary());
        }
    }

    @Override
    public void close() {
        running = false;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** An acknowledged session write. */
    private record Ack(SessionId id, String value) {
    }

    /** One acquisition: when it was asked for, when it was answered, the token. */
    private record Grant(long start, long end, long token) {
    }

    /**
     * One read of the counter by B: when it started, the value, whether the near cache served it
     * as fresh, or the guard from the near cache as a fallback.
     */
    private record Read(long start, long value, boolean fromCache, boolean fallback) {
    }

    /** One acknowledged counter value and when its save returned. */
    private record Count(long value, long acked) {
    }

    /** The load and the figures of one durability. */
    final class Lane {
        final RedisDurability durability;
        private final RedisFixture<?> fixture;
        private final Predicate<String> onFailedMaster;
        private final RedisKeys keys;
        private final RedisState a;
        private final RedisState b;
        private final RedisSessionStore sessionsA;
        private final RedisSessionStore sessionsB;
        private final RedisLeaseProvider leasesA;
        private final RedisLeaseProvider leasesB;
        private final RedisState verifier;
        private final String lease;
        private final Session counter;
        private final Duration freshness;
        private final ConcurrentLinkedQueue<Ack> acked = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Count> counts = new ConcurrentLinkedQueue<>();
        private final AtomicLong failedWrites = new AtomicLong();
        private final AtomicLong outcomeUnknown = new AtomicLong();
        // first success of an operation on the failed master that began after the kill; 0 until then
        private final AtomicLong writeBack = new AtomicLong();
        private final AtomicLong readBack = new AtomicLong();
        private final AtomicLong leaseBack = new AtomicLong();
        private final AtomicLong notReadyNanos = new AtomicLong();
        private volatile long lastSample;
        private volatile boolean readyNow = true;
        private long lost = -1;
        private long tokensOutOfOrder = -1;
        private long staleServedAsFresh = -1;
        private long staleFallbacks;

        Lane(RedisFixture<?> fixture, RedisDurability durability, Predicate<String> onFailedMaster) {
            this.durability = durability;
            this.fixture = fixture;
            this.onFailedMaster = onFailedMaster;
            String app = fixture.app() + "-" + (durability.waitsForReplicas() ? "r" + durability.replicaCount() : "async");
            this.keys = new RedisKeys("exstate", app);
            RedisOptions options = fixture.options().appName(app).guardPolicy(dev.exstate.guard.GuardPolicy.defaults())
                    .sessionDurability(durability).leaseDurability(durability).build();
            this.freshness = options.freshnessWindow();
            this.a = fixture.state(options);
            this.b = fixture.state(options);
            this.sessionsA = fixture.sessions(a, SESSIONS);
            this.sessionsB = fixture.sessions(b, SESSIONS);
            this.leasesA = fixture.leases(a);
            this.leasesB = fixture.leases(b);
            this.verifier = fixture.state(options.toBuilder().invalidation(RedisOptions.InvalidationMode.NONE)
                    .sessionDurability(RedisDurability.async()).leaseDurability(RedisDurability.async())
                    .guardPolicy(RedisTesting.PATIENT).build());
            String name = null;
            for (int i = 0; name == null; i++) {
                if (onFailedMaster.test(keys.lease("fl-" + i))) {
                    name = "fl-" + i;
                }
            }
            this.lease = name;
            Session c;
            do {
                c = sessionsA.create(n -> n.putString("n", "0"));
            } while (!onFailedMaster.test(keys.session(c.id())));
            this.counter = c;
        }

        void start() {
            spawn("writer-a", () -> create(sessionsA));
            spawn("writer-b", () -> create(sessionsB));
            spawn("lease-a", () -> acquire(leasesA));
            spawn("lease-b", () -> acquire(leasesB));
            long[] n = {0};
            spawn("counter", () -> {
                counter.putString("n", Long.toString(n[0] + 1));
                sessionsA.save(counter);
                n[0]++;
                counts.add(new Count(n[0], System.nanoTime()));
                return true;
            });
            spawn("reader", () -> {
                long start = System.nanoTime();
                long fallbacks = b.guard().stats().fallbacks();
                long hits = sessionsB.nearCacheStats().orElseThrow().hits();
                Optional<Session> s = sessionsB.find(counter.id());
                boolean fallback = b.guard().stats().fallbacks() != fallbacks;
                boolean fromCache = sessionsB.nearCacheStats().orElseThrow().hits() != hits;
                // absent only if a failover lost the counter session itself (async): verify counts that
                long value = s.flatMap(x -> x.getString("n")).map(Long::parseLong).orElse(0L);
                reads.add(new Read(start, value, fromCache, fallback));
                if (!fallback && !fromCache) {
                    firstAfterKill(readBack, start);
                }
                return true;
            });
        }

        private boolean create(RedisSessionStore store) {
            long start = System.nanoTime();
            String value = Long.toString(start);
            Session s = store.create(n -> n.putString("v", value));
            acked.add(new Ack(s.id(), value));
            if (onFailedMaster.test(keys.session(s.id()))) {
                firstAfterKill(writeBack, start);
            }
            return true;
        }

        private boolean acquire(RedisLeaseProvider leases) {
            long start = System.nanoTime();
            Optional<Lease> l = leases.tryAcquire(lease, Duration.ofSeconds(10));
            if (l.isEmpty()) {
                // the other replica holds it: an answer from the master all the same
                firstAfterKill(leaseBack, start);
                return true;
            }
            grants.add(new Grant(start, System.nanoTime(), l.get().fencingToken()));
            firstAfterKill(leaseBack, start);
            l.get().release();
            return true;
        }

        private void firstAfterKill(AtomicLong back, long start) {
            long k = killedAt;
            if (k != 0 && start - k > 0) {
                back.compareAndSet(0, System.nanoTime());
            }
        }

        private void spawn(String name, java.util.concurrent.Callable<Boolean> op) {
            Thread t = new Thread(() -> {
                while (running) {
                    try {
                        op.call();
                        pause(2);
                    } catch (dev.exstate.guard.StateTimeoutException e) {
                        outcomeUnknown.incrementAndGet();
                        failedWrites.incrementAndGet();
                        pause(5);
                    } catch (StateException e) {
                        failedWrites.incrementAndGet();
                        pause(5);
                    } catch (dev.exstate.session.SessionNotFoundException e) {
                        // a read of the counter after a lossy failover on the async lane: counted by verify
                        pause(5);
                    } catch (Throwable e) {
                        unexpected.add(e);
                        pause(5);
                    }
                }
            }, "failover-" + durability + "-" + name);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }

        void sampleReadiness(long now) {
            boolean ready = a.health().health().status() == BackendHealth.Status.UP
                    && b.health().health().status() == BackendHealth.Status.UP;
            long last = lastSample;
            if (killedAt != 0 && last != 0 && !readyNow) {
                notReadyNanos.addAndGet(now - last);
            }
            readyNow = ready;
            lastSample = now;
        }

        boolean recovered() {
            return writeBack.get() != 0 && readBack.get() != 0 && leaseBack.get() != 0 && readyNow;
        }

        /** Looks every acknowledged write up on the deployment, checks tokens and near-cache reads. */
        void verify() {
            RedisSessionStore check = fixture.sessions(verifier, SESSIONS);
            long missing = 0;
            for (Ack ack : acked) {
                Optional<Session> s = check.findFresh(ack.id());
                if (s.isEmpty() || !s.get().getString("v").orElse("").equals(ack.value())) {
                    missing++;
                }
            }
            tokensOutOfOrder = tokensOutOfOrder();
            staleServedAsFresh = staleReads(true);
            // acknowledged counter saves lost: how far below an acknowledged value Redis itself went
            // (later saves overwrite the counter, so the final value alone would hide a loss)
            lost = missing + staleReads(false);
            staleFallbacks = reads.stream().filter(Read::fallback).count();
        }

        /** Grants whose token is not above every token granted before they were asked for, plus repeated tokens. */
        private long tokensOutOfOrder() {
            List<Grant> byStart = new ArrayList<>(grants);
            byStart.sort(Comparator.comparingLong(Grant::start));
            List<Grant> byEnd = new ArrayList<>(grants);
            byEnd.sort(Comparator.comparingLong(Grant::end));
            long bad = 0;
            long maxEnded = Long.MIN_VALUE;
            int e = 0;
            for (Grant g : byStart) {
                while (e < byEnd.size() && byEnd.get(e).end() - g.start() < 0) {
                    maxEnded = Math.max(maxEnded, byEnd.get(e).token());
                    e++;
                }
                if (g.token() <= maxEnded) {
                    bad++;
                }
            }
            Set<Long> seen = new HashSet<>();
            for (Grant g : grants) {
                if (!seen.add(g.token())) {
                    bad++;
                }
            }
            return bad;
        }

        /**
         * With {@code fromCache}: reads the near cache served as fresh with a value below one
         * acknowledged at least a freshness window before the read began. Without: the most any
         * read from Redis itself was below a value acknowledged before it began (acknowledged
         * saves lost).
         */
        private long staleReads(boolean fromCache) {
            List<Count> byAck = new ArrayList<>(counts);
            byAck.sort(Comparator.comparingLong(Count::acked));
            List<Read> byStart = new ArrayList<>(reads);
            byStart.sort(Comparator.comparingLong(Read::start));
            long window = fromCache ? freshness.toNanos() : 0;
            long bad = 0;
            long floor = 0;
            int i = 0;
            for (Read r : byStart) {
                while (i < byAck.size() && byAck.get(i).acked() + window - r.start() <= 0) {
                    floor = Math.max(floor, byAck.get(i).value());
                    i++;
                }
                if (r.fallback() || r.fromCache() != fromCache || r.value() >= floor) {
                    continue;
                }
                if (fromCache) {
                    bad++;
                } else {
                    bad = Math.max(bad, floor - r.value());
                }
            }
            return bad;
        }

        long lost() {
            return lost;
        }

        long acknowledged() {
            return acked.size() + counts.size();
        }

        long tokensOutOfOrderCount() {
            return tokensOutOfOrder;
        }

        long grants() {
            return grants.size();
        }

        long staleServedAsFreshCount() {
            return staleServedAsFresh;
        }

        long readsAfterKill() {
            return reads.stream().filter(r -> r.start() - killedAt > 0).count();
        }

        String summary() {
            return String.format(Locale.ROOT, "writes back after %.1f s, reads after %.1f s, leases after %.1f s; "
                            + "not ready %.1f s; acked writes lost %d/%d; failed or outcome-unknown writes %d (%d outcome unknown); "
                            + "tokens %s (%d grants); near cache: %d stale served as fresh, %d stale fallbacks",
                    seconds(writeBack.get() - killedAt), seconds(readBack.get() - killedAt), seconds(leaseBack.get() - killedAt),
                    seconds(notReadyNanos.get()), lost, acknowledged(), failedWrites.get(), outcomeUnknown.get(),
                    tokensOutOfOrder == 0 ? "monotonic" : tokensOutOfOrder + " out of order or repeated", grants.size(),
                    staleServedAsFresh, staleFallbacks);
        }
    }
}
