package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a replica can still read the previous version of a session after another replica's
 * write was acknowledged, on loopback and behind a slow link. Replica A writes, replica B (which
 * has the session in its near cache) reads right after; every read is timed against the moment
 * A's write was acknowledged. The figures are printed; what is asserted is the bound that holds
 * by construction: no read that begins a freshness window or more after the acknowledgement
 * returns the previous version as fresh, and {@code findFresh} never returns it.
 */
@DisplayName("Redis near cache: staleness across replicas")
class RedisStalenessIT {
    private static final Logger log = LoggerFactory.getLogger(RedisStalenessIT.class);
    /** Reads to Redis behind the slow link take a second or more: the guard must wait for them. */
    private static final GuardPolicy PATIENT = GuardPolicy.builder()
            .timeout(Duration.ofSeconds(4)).totalTimeout(Duration.ofSeconds(4)).maxRetries(0).build();

    @RegisterExtension
    static final RedisFixture<RedisServer> redis = RedisFixture.standalone("stale");

    private RedisSessionStore replica(String uri, GuardPolicy policy) {
        return redis.sessions(redis.state(redis.options(uri).guardPolicy(policy).build()));
    }

    /** One read by B after A's write {@code version} was acknowledged at {@code acked}. */
    record Read(int version, long acked, long start, long end, int seen, boolean stale) {
        boolean old() {
            return seen < version;
        }

        long startAfterAckNanos() {
            return start - acked;
        }
    }

    private static Read read(RedisSessionStore b, SessionId id, int version, long acked, boolean fresh) {
        long staleBefore = b.nearCacheStats().orElseThrow().staleServed();
        long start = System.nanoTime();
        Session s = (fresh ? b.findFresh(id) : b.find(id)).orElseThrow();
        long end = System.nanoTime();
        boolean stale = b.nearCacheStats().orElseThrow().staleServed() > staleBefore;
        return new Read(version, acked, start, end, Integer.parseInt(s.getString("v").orElseThrow()), stale);
    }

    /** Reads until B sees {@code version}; returns every read made. */
    private static List<Read> readUntilCurrent(RedisSessionStore b, SessionId id, int version, long acked) {
        List<Read> reads = new ArrayList<>();
        reads.add(read(b, id, version, acked, false));
        // a near-tight loop: the time B first sees the new version is the figure being measured
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (reads.get(reads.size() - 1).old()) {
            assertThat(System.nanoTime() - deadline).as("B still reads version < %d after 20 s", version).isNegative();
            LockSupport.parkNanos(20_000);
            reads.add(read(b, id, version, acked, false));
        }
        return reads;
    }

    private static void assertNoOldValueServedFreshAfterTheWindow(List<Read> reads, Duration window) {
        assertThat(reads).as("reads begun %d ms or more after the newer version was acknowledged that returned the previous one as fresh",
                        window.toMillis())
                .filteredOn(r -> r.old() && !r.stale() && r.startAfterAckNanos() >= window.toNanos())
                .isEmpty();
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    @Test
    @DisplayName("on loopback: how often and how long a read right after another replica's write sees the previous version; findFresh never does")
    void rightAfterAnotherReplicasWrite() {
        RedisSessionStore a = replica(redis.backend().uri(), GuardPolicy.defaults());
        RedisSessionStore b = replica(redis.backend().uri(), GuardPolicy.defaults());
        Session s = a.create(n -> n.putString("v", "0"));
        int rounds = 400;
        List<Read> all = new ArrayList<>();
        List<Long> lags = new ArrayList<>();
        int immediateOld = 0;
        int freshReads = 0;
        int freshOld = 0;

        for (int version = 1; version <= rounds; version++) {
            RedisSessionIT.cacheIt(b, s.id());
            s.putString("v", Integer.toString(version));
            a.save(s);
            long acked = System.nanoTime();
            if (version % 2 == 0) {
                Read r = read(b, s.id(), version, acked, true);
                freshReads++;
                freshOld += r.old() ? 1 : 0;
                continue;
            }
            List<Read> reads = readUntilCurrent(b, s.id(), version, acked);
            all.addAll(reads);
            if (reads.get(0).old()) {
                immediateOld++;
                lags.add(reads.get(reads.size() - 1).end() - acked);
            }
        }

        int measured = rounds - freshReads;
        lags.sort(null);
        log.info("[staleness] loopback: {} of {} reads right after another replica's acknowledged write returned the previous "
                        + "version ({}%); it was seen current {} ms (median) / {} ms (max) after the acknowledgement; "
                        + "findFresh: {} of {} old",
                immediateOld, measured, String.format(Locale.ROOT, "%.1f", 100.0 * immediateOld / measured),
                lags.isEmpty() ? "-" : ms(lags.get(lags.size() / 2)), lags.isEmpty() ? "-" : ms(lags.get(lags.size() - 1)),
                freshOld, freshReads);
        assertThat(freshOld).as("findFresh right after another replica's write returned the previous version").isZero();
        assertNoOldValueServedFreshAfterTheWindow(all, RedisOptions.standalone(redis.backend().uri()).build().freshnessWindow());
    }

    @Test
    @DisplayName("behind a link adding 200 ms: the replica stays connected, yet never serves the previous version as fresh beyond the freshness window")
    void slowLinkStillConnected() {
        slowLink(Duration.ofMillis(200), 12);
    }

    @Test
    @DisplayName("behind a link adding 500 ms: the previous version is never served as fresh beyond the freshness window")
    void verySlowLink() {
        slowLink(Duration.ofMillis(500), 6);
    }

    private void slowLink(Duration latency, int rounds) {
        FaultProxy proxy = redis.closeAfter(FaultProxy.to(redis.backend().host(), redis.backend().port()));
        RedisSessionStore a = replica(redis.backend().uri(), PATIENT);
        RedisSessionStore b = replica(proxy.uri("redis"), PATIENT);
        Duration window = RedisOptions.standalone(redis.backend().uri()).build().freshnessWindow();
        Session s = a.create(n -> n.putString("v", "0"));
        RedisSessionIT.cacheIt(b, s.id());
        long hitsBefore = b.nearCacheStats().orElseThrow().hits();

        proxy.latency(latency);
        List<Read> all = new ArrayList<>();
        for (int version = 1; version <= rounds; version++) {
            s.putString("v", Integer.toString(version));
            a.save(s);
            long acked = System.nanoTime();
            all.addAll(readUntilCurrent(b, s.id(), version, acked));
            Read fresh = read(b, s.id(), version, System.nanoTime(), true);
            assertThat(fresh.old()).as("findFresh after the write").isFalse();
        }
        proxy.latency(Duration.ZERO);

        List<Read> oldAsFresh = all.stream().filter(r -> r.old() && !r.stale()).toList();
        List<String> latestPerWrite = new ArrayList<>();
        for (int version = 1; version <= rounds; version++) {
            int v = version;
            latestPerWrite.add(oldAsFresh.stream().filter(r -> r.version() == v).mapToLong(Read::startAfterAckNanos).max()
                    .stream().mapToObj(RedisStalenessIT::ms).findFirst().orElse("-"));
        }
        long cacheHits = b.nearCacheStats().orElseThrow().hits() - hitsBefore;
        log.info("[staleness] link +{} ms each way: {} reads by B ({} near-cache hits, {} served stale), B's near cache {}; "
                        + "per write, the last read begun after A's acknowledgement that still returned the previous version as "
                        + "fresh began this many ms after it: {} (bound: freshness window {} ms)",
                latency.toMillis(), all.size(), cacheHits, all.stream().filter(Read::stale).count(),
                b.nearCacheStats().orElseThrow().verified() ? "verified" : "not verified (heartbeat overdue or disconnected)",
                latestPerWrite, window.toMillis());
        assertNoOldValueServedFreshAfterTheWindow(all, window);
    }
}
