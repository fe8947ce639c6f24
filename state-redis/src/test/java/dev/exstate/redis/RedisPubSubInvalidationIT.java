package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.codec.Codec;
import dev.exstate.health.BackendHealth;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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

    private static RedisServer redis;
    private static RawRedis raw;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private String app;
    private RedisKeys keys;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.builder().start();
        raw = RawRedis.standalone(redis.uri());
    }

    @AfterAll
    static void stopRedis() throws Exception {
        raw.close();
        redis.close();
    }

    @BeforeEach
    void namespace() {
        app = "pubsub-" + UUID.randomUUID().toString().substring(0, 8);
        keys = new RedisKeys("exstate", app);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
        closeAfter.clear();
    }

    private RedisState state(RedisOptions.InvalidationMode mode) {
        RedisState state = RedisState.connect(RedisOptions.standalone(redis.uri()).appName(app).invalidation(mode)
                .guardPolicy(RedisTesting.PATIENT).build());
        closeAfter.add(state);
        return state;
    }

    private RedisSessionStore store(RedisState state) {
        RedisSessionStore store = state.sessionStore(SessionOptions.builder()
                .maxInactiveInterval(Duration.ofMinutes(5)).touchInterval(Duration.ofMinutes(1)).build());
        closeAfter.add(store);
        return store;
    }

    private RedisSessionStore replica() {
        return store(state(RedisOptions.InvalidationMode.PUBSUB));
    }

    private static long publishCalls() {
        for (String line : raw.commands().info("commandstats").split("\\r?\\n")) {
            if (line.startsWith("cmdstat_publish:")) {
                String rest = line.substring(line.indexOf("calls=") + "calls=".length());
                return Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return 0;
    }

    private long subscribers() {
        Map<String, Long> numsub = raw.commands().pubsubNumsub(keys.sessionInvalidations());
        return numsub.getOrDefault(keys.sessionInvalidations(), 0L);
    }

    private static String cart(RedisSessionStore store, SessionId id) {
        return store.find(id).orElseThrow().getString("cart").orElseThrow();
    }

    @Test
    @DisplayName("a save on another replica reaches the cached copy; an invalidate makes it gone")
    void otherReplicasWritesReachTheCache() {
        RedisSessionStore a = replica();
        RedisSessionStore b = replica();
        assertThat(subscribers()).as("replicas subscribed to " + keys.sessionInvalidations()).isEqualTo(2);
        Session s = a.create();
        s.putString("cart", "1 apple");
        a.save(s);
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
        Session s = a.create();
        s.putString("cart", "1 apple");
        a.save(s);
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
        Session s = a.create();
        s.putString("cart", "1 apple");
        a.save(s);
        RedisSessionIT.cacheIt(a, s.id());
        // a change that publishes nothing: only a cleared cache can reveal it
        raw.commands().hset(keys.session(s.id()), RedisKeys.attributeField("cart"), Codec.utf8().encode("hidden"));
        assertThat(cart(a, s.id())).as("served from the near cache, nothing told it").isEqualTo("1 apple");

        Object killed = redis.call("CLIENT", "KILL", "TYPE", "pubsub");
        assertThat((Long) killed).as("pub/sub connections killed").isGreaterThanOrEqualTo(2L);

        await().atMost(WITHIN).pollInterval(POLL).until(() -> subscribers() == 2
                && stateA.health().health().status() == BackendHealth.Status.UP
                && a.nearCacheStats().orElseThrow().connected());
        assertThat(cart(a, s.id())).isEqualTo("hidden");

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
        Session t = tracked.create();
        t.putString("cart", "1 apple");
        tracked.save(t);
        tracked.compute(t.id(), "n", Codec.longs(), v -> 1L);
        tracked.invalidate(t.id());
        assertThat(publishCalls()).as("PUBLISH calls with client tracking").isEqualTo(before);
        assertThat(subscribers()).isZero();

        RedisSessionStore pubsub = replica();
        Session p = pubsub.create();
        p.putString("cart", "1 apple");
        pubsub.save(p);
        pubsub.compute(p.id(), "n", Codec.longs(), v -> 1L);
        pubsub.invalidate(p.id());
        assertThat(publishCalls() - before).as("PUBLISH calls: save, compute, invalidate").isEqualTo(3);
    }
}
