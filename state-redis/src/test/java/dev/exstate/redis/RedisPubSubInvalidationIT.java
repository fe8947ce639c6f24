package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.codec.Codec;
import dev.exstate.health.BackendHealth;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pub/sub fallback of near-cache invalidation (for servers without client tracking), forced
 * with {@link RedisOptions.InvalidationMode#PUBSUB} on a real redis-server: two replicas on one
 * Redis, each with its own connections, pub/sub subscription and near cache.
 */
@DisplayName("Redis near cache invalidated by pub/sub")
class RedisPubSubInvalidationIT {
    /** Bound on an invalidation reaching another replica; generous, since a busy machine is not a failure. */
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(5);

    @RegisterExtension
    static final RedisFixture<RedisServer> redis = RedisFixture.standalone("pubsub");

    private RedisState state(RedisOptions.InvalidationMode mode) {
        return redis.state(redis.options().invalidation(mode).build());
    }

    private RedisSessionStore store(RedisState state) {
        return redis.sessions(state);
    }

    private RedisSessionStore replica() {
        return store(state(RedisOptions.InvalidationMode.PUBSUB));
    }

    private static long publishCalls() {
        for (String line : redis.raw().commands().info("commandstats").split("\\r?\\n")) {
            if (line.startsWith("cmdstat_publish:")) {
                String rest = line.substring(line.indexOf("calls=") + "calls=".length());
                return Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return 0;
    }

    private long subscribers() {
        Map<String, Long> numsub = redis.raw().commands().pubsubNumsub(redis.keys().sessionInvalidations());
        return numsub.getOrDefault(redis.keys().sessionInvalidations(), 0L);
    }

    private static String cart(RedisSessionStore store, SessionId id) {
        return store.find(id).orElseThrow().getString("cart").orElseThrow();
    }

    @Test
    @DisplayName("a save on another replica reaches the cached copy; an invalidate makes it gone")
    void otherReplicasWritesReachTheCache() {
        RedisSessionStore a = replica();
        RedisSessionStore b = replica();
        assertThat(subscribers()).as("replicas subscribed to " + redis.keys().sessionInvalidations()).isEqualTo(2);
        Session s = a.create(n -> n.putString("cart", "1 apple"));
        RedisSessionIT.cacheIt(a, s.id());
        long hits = a.nearCacheStats().orElseThrow().hits();
        assertThat(cart(a, s.id())).isEqualTo("1 apple");
        assertThat(a.nearCacheStats().orElseThrow().hits()).as("near-cache hits").isGreaterThan(hits);

        Session onB = b.find(s.id()).orElseThrow();
        onB.putString("cart", "2 apples");
        b.save(onB);
        await().atMost(WITHIN).pollInterval(POLL).until(() -> cart(a, s.id()).equals("2 apples"));

        b.compute(s.id(), "n", Codec.longs(), v -> 7L);
        await().atMost(WITHIN).pollInterval(POLL)
                .until(() -> a.find(s.id()).orElseThrow().get("n", Codec.longs()).orElse(0L) == 7L);

        RedisSessionIT.cacheIt(a, s.id());
        b.invalidate(s.id());
        await().atMost(WITHIN).pollInterval(POLL).until(() -> a.find(s.id()).isEmpty());
    }

    @Test
    @DisplayName("a rotateId on another replica makes the cached old id gone")
    void otherReplicasRotationReachesTheCache() {
        RedisSessionStore a = replica();
        RedisSessionStore b = replica();
        Session s = a.create(n -> n.putString("cart", "1 apple"));
        RedisSessionIT.cacheIt(a, s.id());

        SessionId rotated = b.rotateId(s.id());

        await().atMost(WITHIN).pollInterval(POLL).until(() -> a.find(s.id()).isEmpty());
        assertThat(cart(a, rotated)).isEqualTo("1 apple");
    }

    @Test
    @DisplayName("after the pub/sub connection is killed and comes back, cached sessions are re-read and new writes are heard")
    void reconnectRereadsCachedSessions() {
        RedisState stateA = state(RedisOptions.InvalidationMode.PUBSUB);
        RedisSessionStore a = store(stateA);
        RedisSessionStore b = replica();
        Session s = a.create(n -> n.putString("cart", "1 apple"));
        // a change that publishes nothing: only a cleared cache can reveal it. On a busy machine the
        // channel can go unheard for longer than the freshness window, and that find reads Redis
        // (and caches what it read): then change it again until one find is a hit on the old value
        AtomicInteger changes = new AtomicInteger();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            RedisSessionIT.cacheIt(a, s.id());
            String cached = cart(a, s.id());
            redis.raw().commands().hset(redis.keys().session(s.id()), RedisKeys.attributeField("cart"),
                    Codec.utf8().encode("hidden " + changes.incrementAndGet()));
            return cart(a, s.id()).equals(cached);
        });
        String hidden = "hidden " + changes.get();

        Object killed = redis.backend().call("CLIENT", "KILL", "TYPE", "pubsub");
        assertThat((Long) killed).as("pub/sub connections killed").isGreaterThanOrEqualTo(2L);

        await().atMost(WITHIN).pollInterval(POLL).until(() -> subscribers() == 2
                && stateA.health().health().status() == BackendHealth.Status.UP
                && a.nearCacheStats().orElseThrow().connected());
        assertThat(cart(a, s.id())).as("re-read after the reconnect").isEqualTo(hidden);

        RedisSessionIT.cacheIt(a, s.id());
        Session onB = b.find(s.id()).orElseThrow();
        onB.putString("cart", "3 pears");
        b.save(onB);
        await().atMost(WITHIN).pollInterval(POLL).until(() -> cart(a, s.id()).equals("3 pears"));
        RedisSessionIT.cacheIt(a, s.id());
        onB = b.find(s.id()).orElseThrow();
        onB.putString("cart", "4 plums");
        b.save(onB);
        await().atMost(WITHIN).pollInterval(POLL).until(() -> cart(a, s.id()).equals("4 plums"));
    }

    @Test
    @DisplayName("writes publish in PUBSUB mode, and never with client tracking (AUTO on Redis 6+)")
    void onlyPubSubModePublishes() {
        RedisSessionStore tracked = store(state(RedisOptions.InvalidationMode.AUTO));
        long before = publishCalls();
        Session t = tracked.create(n -> n.putString("cart", "1 apple"));
        tracked.compute(t.id(), "n", Codec.longs(), v -> 1L);
        tracked.invalidate(t.id());
        assertThat(publishCalls()).as("PUBLISH calls with client tracking").isEqualTo(before);
        assertThat(subscribers()).isZero();

        RedisSessionStore pubsub = replica();
        Session p = pubsub.create(n -> n.putString("cart", "1 apple"));
        pubsub.compute(p.id(), "n", Codec.longs(), v -> 1L);
        pubsub.invalidate(p.id());
        assertThat(publishCalls() - before).as("PUBLISH calls: save, compute, invalidate").isEqualTo(3);
    }
}
