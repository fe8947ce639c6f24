package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.codec.Codec;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.GuardStats;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateDataException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.health.HealthReport;
import dev.exstate.lease.Lease;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.redis.internal.Scripts;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionLimitException;
import dev.exstate.session.SessionNotFoundException;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.StartupChecks;
import dev.exstate.time.ManualClock;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What the Redis session store adds to the contract: near cache, sliding TTL on Redis, keys, scripts, security. */
@DisplayName("Redis sessions")
class RedisSessionIT {
    @RegisterExtension
    static final RedisFixture<RedisServer> redis = RedisFixture.standalone("it");

    private RedisSessionStore replica(SessionOptions sessionOptions) {
        return replica(redis.options().build(), sessionOptions);
    }

    private RedisSessionStore replica(RedisOptions redisOptions, SessionOptions sessionOptions) {
        return redis.sessions(redis.state(redisOptions), sessionOptions);
    }

    /** Script calls Redis has executed (every read and write of the providers is a script). */
    private static long scriptCalls() {
        return commandCalls("evalsha", "eval");
    }

    /** Round trips of finds (HGETALL, used by no session script but rotation) and scripts. */
    private static long roundTrips() {
        return commandCalls("evalsha", "eval", "hgetall");
    }

    /** Calls of these commands Redis has executed, including those run inside scripts. */
    private static long commandCalls(String... commands) {
        long calls = 0;
        for (String line : redis.raw().commands().info("commandstats").split("\\r?\\n")) {
            for (String command : commands) {
                if (line.startsWith("cmdstat_" + command + ":")) {
                    String rest = line.substring(line.indexOf("calls=") + "calls=".length());
                    calls += Long.parseLong(rest.substring(0, rest.indexOf(',')));
                }
            }
        }
        return calls;
    }

    /**
     * Reads {@code id} until a read is answered by the near cache. The first read after this
     * replica's own write may not be cached: Redis then still owes it the invalidation of that
     * write, which arrives right behind the reply and voids the load.
     */
    static void cacheIt(RedisSessionStore store, SessionId id) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1)).until(() -> {
            long hits = store.nearCacheStats().orElseThrow().hits();
            store.find(id).orElseThrow();
            return store.nearCacheStats().orElseThrow().hits() > hits;
        });
    }

    /**
     * Sets {@code k} to {@code "new"} in each session through {@code writer}, then waits until
     * {@code reader} sees every new value: its cached copies were invalidated.
     */
    static void rewriteAndAwait(RedisSessionStore writer, RedisSessionStore reader, List<SessionId> ids) {
        for (SessionId id : ids) {
            Session s = writer.find(id).orElseThrow();
            s.putString("k", "new");
            writer.save(s);
        }
        for (SessionId id : ids) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> reader.find(id).orElseThrow().getString("k").orElseThrow().equals("new"));
        }
    }

    private long storedAccess(SessionId id) {
        byte[] value = redis.raw().commands().hget(redis.keys().session(id), RedisKeys.ACCESSED);
        return value == null ? -1 : Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    }

    @Nested
    @DisplayName("near cache")
    class NearCacheBehaviour {

        @Test
        @DisplayName("a session read once is served from the near cache without calling Redis")
        void cachedReadsDoNotCallRedis() {
            RedisSessionStore a = replica(RedisTesting.LONG_LIVED);
            Session s = a.create(n -> n.putString("user", "alice"));
            cacheIt(a, s.id());
            long before = roundTrips();
            long hitsBefore = a.nearCacheStats().orElseThrow().hits();

            for (int i = 0; i < 50; i++) {
                assertThat(a.find(s.id()).orElseThrow().getString("user")).contains("alice");
            }

            assertThat(roundTrips()).as("Redis read or script calls during 50 cached reads").isEqualTo(before);
            assertThat(a.nearCacheStats().orElseThrow().hits() - hitsBefore).isEqualTo(50);
        }

        @Test
        @DisplayName("a save on another replica invalidates the cached copy through client tracking")
        void otherReplicasSaveInvalidates() {
            RedisSessionStore a = replica(RedisTesting.LONG_LIVED);
            RedisSessionStore b = replica(RedisTesting.LONG_LIVED);
            Session s = a.create(n -> n.putString("cart", "1 apple"));
            a.find(s.id()).orElseThrow();
            assertThat(a.find(s.id()).orElseThrow().getString("cart")).contains("1 apple");
            long invalidationsBefore = a.nearCacheStats().orElseThrow().invalidations();

            Session onB = b.find(s.id()).orElseThrow();
            onB.putString("cart", "2 apples");
            b.save(onB);

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> a.find(s.id()).orElseThrow().getString("cart").orElseThrow().equals("2 apples"));
            assertThat(a.nearCacheStats().orElseThrow().invalidations()).isGreaterThan(invalidationsBefore);
        }

        @Test
        @DisplayName("compute, invalidate and rotateId on another replica also reach the cached copy")
        void otherWritesInvalidate() {
            RedisSessionStore a = replica(RedisTesting.LONG_LIVED);
            RedisSessionStore b = replica(RedisTesting.LONG_LIVED);
            Session s = a.create(n -> n.putString("k", "v"));
            a.find(s.id()).orElseThrow();

            b.compute(s.id(), "n", Codec.longs(), v -> 7L);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                    .until(() -> a.find(s.id()).orElseThrow().get("n", Codec.longs()).orElse(0L) == 7L);

            SessionId rotated = b.rotateId(s.id());
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> a.find(s.id()).isEmpty());
            assertThat(a.find(rotated).orElseThrow().getString("k")).contains("v");

            b.invalidate(rotated);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> a.find(rotated).isEmpty());
        }

        @Test
        @DisplayName("a cache hit after the touch interval records the access in Redis in the background, once")
        void cacheHitTouchesInBackground() {
            SessionOptions opts = SessionOptions.builder().maxInactiveInterval(Duration.ofSeconds(30))
                    .touchInterval(Duration.ofMillis(300)).build();
            // the touch interval is judged by the provider's clock: a manual one, so a slow machine
            // cannot make the "within the touch interval" reads come after it
            ManualClock clock = new ManualClock(Instant.now());
            RedisSessionStore a = redis.sessions(redis.closeAfter(RedisState.connect(redis.options().build(), clock)), opts);
            Session s = a.create();
            cacheIt(a, s.id());
            long created = storedAccess(s.id());
            for (int i = 0; i < 20; i++) {
                a.find(s.id()).orElseThrow();
            }
            assertThat(storedAccess(s.id())).as("hits within the touch interval do not write").isEqualTo(created);

            clock.advance(Duration.ofMillis(350));
            long writesBefore = commandCalls("hset");
            for (int i = 0; i < 20; i++) {
                assertThat(a.find(s.id())).isPresent();
            }

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> storedAccess(s.id()) > created);
            assertThat(redis.raw().commands().pttl(redis.keys().session(s.id()))).isGreaterThan(Duration.ofSeconds(29).toMillis());
            assertThat(commandCalls("hset") - writesBefore).as("writes caused by 20 reads").isEqualTo(1);
        }

        @Test
        @DisplayName("with three connections per replica every connection is tracked: invalidations reach the cache")
        void severalConnections() {
            RedisSessionStore a = replica(redis.options().connections(3).build(), RedisTesting.LONG_LIVED);
            RedisSessionStore b = replica(RedisTesting.LONG_LIVED);
            List<SessionId> ids = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                Session s = b.create(n -> n.putString("k", "old"));
                ids.add(s.id());
                cacheIt(a, s.id());
            }

            rewriteAndAwait(b, a, ids);
            long clients = redis.raw().commands().clientList().lines().filter(l -> l.contains("flags=t")).count();
            assertThat(clients).as("connections with tracking on (flag t)").isGreaterThanOrEqualTo(4);
        }

        @Test
        @DisplayName("with nearCacheSize 0 there is no near cache and every read goes to Redis")
        void nearCacheOff() {
            RedisSessionStore a = replica(redis.options().nearCacheSize(0).build(), RedisTesting.LONG_LIVED);
            Session s = a.create();
            a.find(s.id()).orElseThrow();
            long before = roundTrips();

            a.find(s.id()).orElseThrow();

            assertThat(a.nearCacheStats()).isEmpty();
            assertThat(roundTrips()).isEqualTo(before + 1);
        }
    }

    @Nested
    @DisplayName("unit of work")
    class UnitOfWorkCosts {

        @Test
        @DisplayName("update costs one round trip when its work changes nothing, none once the session is cached, and only the save when it changes something; the save keeps the session cached")
        void updateRoundTrips() {
            RedisSessionStore a = replica(RedisTesting.LONG_LIVED);
            SessionId id = a.create(s -> s.putString("user", "ada")).id();
            RedisSessionStore b = replica(RedisTesting.LONG_LIVED); // has never read the session: nothing cached

            long before = roundTrips();
            assertThat(b.update(id, s -> s.getString("user").orElseThrow())).contains("ada");
            assertThat(roundTrips() - before).as("round trips of a read-only update of an uncached session").isEqualTo(1);

            cacheIt(b, id);
            before = roundTrips();
            assertThat(b.update(id, s -> s.getString("user").orElseThrow())).contains("ada");
            assertThat(roundTrips() - before).as("round trips of a read-only update of a cached session").isZero();

            for (int i = 0; i < 3; i++) {
                String cart = "cart-" + i;
                before = roundTrips();
                b.update(id, s -> s.putString("cart", cart));
                assertThat(roundTrips() - before).as("round trips of update %d of a cached session that changed it", i).isEqualTo(1);
                assertThat(redis.raw().sessionAttributes(redis.keys(), id).orElseThrow()).containsOnlyKeys("user", "cart");
                before = roundTrips();
                assertThat(b.update(id, s -> s.getString("cart").orElseThrow())).as("the saved state, from the near cache")
                        .contains(cart);
                assertThat(roundTrips() - before).as("round trips of a read after this replica's own save").isZero();
            }

            // the server learns the compute script here (NOSCRIPT, then EVAL), not below
            b.compute(b.create().id(), "visits", Codec.longs(), v -> 1L);
            before = roundTrips();
            assertThat(b.compute(id, "visits", Codec.longs(), v -> v == null ? 1L : v + 1)).isEqualTo(1L);
            assertThat(roundTrips() - before).as("round trips of a compute on a cached session").isEqualTo(1);
            before = roundTrips();
            assertThat(b.compute(id, "visits", Codec.longs(), v -> v == null ? 1L : v + 1)).isEqualTo(2L);
            assertThat(b.find(id).orElseThrow().get("visits", Codec.longs())).contains(2L);
            assertThat(roundTrips() - before).as("round trips of a second compute and a find").isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("storage layout")
    class Layout {

        @Test
        @DisplayName("a session is one hash named with the configured prefix, app and the id as hash tag, with a TTL")
        void sessionKeyLayout() {
            RedisSessionStore a = replica(redis.options().keyPrefix("myco").build(), RedisTesting.LONG_LIVED);
            Session s = a.create(n -> n.putString("k", "v"));

            String key = "myco:" + redis.app() + ":session:{" + s.id().value() + "}";
            assertThat(redis.raw().commands().type(key)).isEqualTo("hash");
            Map<String, byte[]> hash = redis.raw().commands().hgetall(key);
            assertThat(hash).containsKeys("a:k", RedisKeys.CREATED, RedisKeys.ACCESSED, RedisKeys.MAX_INACTIVE, RedisKeys.BYTES);
            assertThat(new String(hash.get(RedisKeys.BYTES), StandardCharsets.US_ASCII)).isEqualTo("2");
            assertThat(redis.raw().commands().pttl(key)).isBetween(Duration.ofMinutes(4).toMillis(), Duration.ofMinutes(5).toMillis());
        }

        @Test
        @DisplayName("saves keep working after the server forgot its scripts (NOSCRIPT falls back to EVAL)")
        void scriptFlushIsHarmless() {
            RedisSessionStore a = replica(RedisTesting.LONG_LIVED);
            Session s = a.create();
            redis.raw().commands().scriptFlush();
            assertThat(redis.raw().commands().scriptExists(Scripts.SESSION_SAVE.sha())).containsExactly(false);

            s.putString("k", "v");
            a.save(s);

            assertThat(redis.raw().sessionAttributes(redis.keys(), s.id()).orElseThrow()).containsOnlyKeys("k");
            assertThat(redis.raw().commands().scriptExists(Scripts.SESSION_SAVE.sha())).containsExactly(true);
        }
    }

    @Nested
    @DisplayName("bad input and corrupt data")
    class BadInputAndCorruptData {
        /** Opens after 2 failures in 4 calls: any data error counted as an outage would open it. */
        private final GuardPolicy touchy = GuardPolicy.builder().slidingWindowSize(4).minimumNumberOfCalls(4).build();

        private Map<String, String> hash(String key) {
            Map<String, String> out = new java.util.TreeMap<>();
            redis.raw().commands().hgetall(key).forEach((f, v) -> out.put(f, new String(v, StandardCharsets.ISO_8859_1)));
            return out;
        }

        private void assertNotAnOutage(RedisState state) {
            GuardStats stats = state.guard().stats();
            assertThat(stats.failures()).as("failures counted by the guard").isZero();
            assertThat(stats.retries()).as("retries").isZero();
            assertThat(stats.breakerState()).isEqualTo("CLOSED");
            assertThat(state.health().health().status()).isEqualTo(BackendHealth.Status.UP);
        }

        @Test
        @DisplayName("a 128 MiB value under the default 64 KiB limit is refused before it is sent: no script, no guard call")
        void oversizedValueNeverTravels() {
            RedisState state = redis.state(redis.options().guardPolicy(touchy).build());
            RedisSessionStore store = redis.sessions(state);
            Session s = store.create(n -> n.putString("k", "v"));
            byte[] huge = new byte[128 * 1024 * 1024];
            s.put("big", huge, Codec.bytes());
            long scripts = scriptCalls();
            long calls = state.guard().stats().calls();

            assertThatThrownBy(() -> store.save(s)).isInstanceOf(SessionLimitException.class)
                    .hasMessageContaining("maxSessionBytes=65536");
            assertThat(state.guard().stats().calls()).as("guarded calls of the refused save").isEqualTo(calls);
            assertThatThrownBy(() -> store.compute(s.id(), "big", Codec.bytes(), v -> huge))
                    .isInstanceOf(SessionLimitException.class);
            // a fresh cached copy needs no read; on a busy machine the invalidation channel may have gone
            // unheard for a moment and the compute reads the session first: never more than that read
            assertThat(state.guard().stats().calls()).as("the refused compute made no call but at most its read")
                    .isBetween(calls, calls + 1);

            assertThat(scriptCalls()).as("scripts run for the refused save and compute").isEqualTo(scripts);
            assertThat(redis.raw().sessionAttributes(redis.keys(), s.id()).orElseThrow()).containsOnlyKeys("k");
            assertThat(store.find(s.id()).orElseThrow().getString("k")).contains("v");
            assertNotAnOutage(state);
        }

        @Test
        @DisplayName("a session key of another type is a StateDataException on every operation: not retried, not counted")
        void wrongTypeIsADataError() {
            RedisState state = redis.state(redis.options().nearCacheSize(0).guardPolicy(touchy).build());
            RedisSessionStore store = redis.sessions(state);
            Session s = store.create();
            String key = redis.keys().session(s.id());
            redis.raw().commands().del(key);
            redis.raw().commands().set(key, "not a hash".getBytes(StandardCharsets.UTF_8));

            for (int i = 0; i < 10; i++) {
                assertThatThrownBy(() -> store.find(s.id())).isInstanceOf(StateDataException.class)
                        .hasMessageContaining("redis session.find").hasMessageContaining("WRONGTYPE");
            }
            s.putString("k", "v");
            assertThatThrownBy(() -> store.save(s)).isInstanceOf(StateDataException.class);
            assertThatThrownBy(() -> store.compute(s.id(), "n", Codec.longs(), v -> 1L)).isInstanceOf(StateDataException.class)
                    .hasMessageContaining("session.compute.read");
            assertThatThrownBy(() -> store.rotateId(s.id())).isInstanceOf(StateDataException.class);

            assertNotAnOutage(state);
            assertThat(new String(redis.raw().commands().get(key), StandardCharsets.UTF_8)).isEqualTo("not a hash");
            Session other = store.create();
            assertThat(store.find(other.id())).as("other sessions keep working").isPresent();
            store.invalidate(s.id());
            assertThat(redis.raw().commands().exists(key)).as("invalidate removes the bad key").isZero();
        }

        @ParameterizedTest(name = "{0} = {1}")
        @CsvSource(delimiter = '|', value = {
            "m:i|abc", "m:i|-1", "m:i|0", "m:i|99999999999999999999", "m:i|",
            "m:a|x1", "m:a|", "m:c|s3cr3t-stored-bytes", "m:c|", "m:b|1.5", "m:b|",
        })
        @DisplayName("corrupt or missing metadata fails every operation with StateDataException before anything is written")
        void corruptMetadataChangesNothing(String field, String value) {
            RedisState state = redis.state(redis.options().nearCacheSize(0).guardPolicy(touchy).build());
            RedisSessionStore store = redis.sessions(state);
            Session s = store.create(n -> n.putString("k", "v"));
            String key = redis.keys().session(s.id());
            if (value == null) {
                redis.raw().commands().hdel(key, field);
            } else {
                redis.raw().commands().hset(key, field, value.getBytes(StandardCharsets.UTF_8));
            }
            Map<String, String> before = hash(key);
            long ttl = redis.raw().commands().pttl(key);

            s.putString("k", "changed");
            s.putString("new", "x");
            assertThatThrownBy(() -> store.save(s)).as("save").isInstanceOf(StateDataException.class)
                    .hasMessageContaining("redis session.save").hasMessageContaining(field);
            assertThatThrownBy(() -> store.find(s.id())).as("find").isInstanceOf(StateDataException.class)
                    .hasMessageContaining(field).hasMessageNotContaining("s3cr3t");
            assertThatThrownBy(() -> store.rotateId(s.id())).as("rotateId").isInstanceOf(StateDataException.class);
            if (!field.equals(RedisKeys.CREATED) || value != null) {
                assertThatThrownBy(() -> store.compute(s.id(), "n", Codec.longs(), v -> 1L)).as("compute")
                        .isInstanceOf(StateDataException.class);
            } else {
                // compute's first read takes a hash without a creation time for no session at all
                assertThatThrownBy(() -> store.compute(s.id(), "n", Codec.longs(), v -> 1L)).as("compute")
                        .isInstanceOf(SessionNotFoundException.class);
            }

            assertThat(hash(key)).as("the hash after the failed calls").isEqualTo(before);
            assertThat(redis.raw().commands().pttl(key)).as("the key still expires").isPositive().isLessThanOrEqualTo(ttl);
            assertNotAnOutage(state);
        }

        @ParameterizedTest
        @ValueSource(strings = {"99999999999999999999", "0", "-5", "abc", ""})
        @DisplayName("the create script refuses an idle timeout Redis cannot set before writing: no hash without TTL")
        void createChecksBeforeWriting(String inactive) {
            String key = redis.keys().session(SessionId.generate());
            byte[] now = Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII);

            assertThatThrownBy(() -> Scripts.SESSION_CREATE.<Long>run(redis.raw().async(), ScriptOutputType.INTEGER, new String[] {key},
                    now, inactive.getBytes(StandardCharsets.US_ASCII)).toCompletableFuture().join())
                    .hasCauseInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("max inactive");
            assertThat(redis.raw().commands().exists(key)).isZero();
        }

        @Test
        @DisplayName("the longest idle timeout is stored with its TTL")
        void longestIdleTimeout() {
            RedisSessionStore store = replica(SessionOptions.builder().maxInactiveInterval(SessionOptions.MAX_INACTIVE_INTERVAL).build());

            Session s = store.create();

            assertThat(redis.raw().commands().pttl(redis.keys().session(s.id())))
                    .isGreaterThan(SessionOptions.MAX_INACTIVE_INTERVAL.minusMinutes(1).toMillis());
        }

        @Test
        @DisplayName("a lease key of another type or a token counter that is not a number is a StateDataException, not an outage")
        void corruptLeaseKeysAreDataErrors() {
            RedisState state = redis.state(redis.options().guardPolicy(touchy).build());
            RedisLeaseProvider leases = redis.leases(state);
            redis.raw().commands().hset(redis.keys().lease("hashed"), "f", "v".getBytes(StandardCharsets.UTF_8));
            redis.raw().commands().set(redis.keys().leaseToken("counted"), "abc".getBytes(StandardCharsets.UTF_8));

            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> leases.tryAcquire("hashed", Duration.ofSeconds(5)))
                        .isInstanceOf(StateDataException.class).hasMessageContaining("redis lease.acquire")
                        .hasMessageContaining("WRONGTYPE");
                assertThatThrownBy(() -> leases.tryAcquire("counted", Duration.ofSeconds(5)))
                        .isInstanceOf(StateDataException.class).hasMessageContaining("not an integer");
            }

            assertNotAnOutage(state);
            assertThat(redis.raw().commands().exists(redis.keys().lease("counted"))).as("no lease without a token").isZero();
            assertThat(leases.tryAcquire("fine", Duration.ofSeconds(5))).isPresent();
        }
    }

    @Nested
    @DisplayName("connection and security")
    class Security {

        @Test
        @DisplayName("a password-protected Redis works with the right password; a wrong one fails without showing it")
        void passwordProtected() {
            // closed after the test, after the replicas
            RedisServer secured = redis.closeAfter(RedisServer.builder().password("right-horse-battery").start());
            RedisOptions good = redis.options(secured.uri()).password("right-horse-battery").build();
            RedisSessionStore store = replica(good, RedisTesting.LONG_LIVED);
            Session s = store.create();
            assertThat(store.find(s.id())).isPresent();
            assertThat(good.toString()).doesNotContain("right-horse-battery").contains("password=****");

            RedisOptions bad = redis.options(secured.uri()).password("wrong-staple-secret").build();
            assertThatThrownBy(() -> replica(bad, RedisTesting.LONG_LIVED))
                    .isInstanceOf(StateAccessDeniedException.class)
                    .satisfies(e -> StartupChecks.assertShowsNoSecret(e, "wrong-staple-secret"));
        }

        @Test
        @DisplayName("credentials inside a URI are not shown by the options")
        void uriCredentialsHidden() {
            RedisOptions options = RedisOptions.standalone("redis://bob:pa55word@redis.internal:6379").build();
            assertThat(options.toString()).doesNotContain("pa55word").contains("redis://****@redis.internal:6379");
        }

        @Test
        @DisplayName("an unreachable Redis fails the first provider with StateUnavailableException naming it")
        void unreachable() {
            try (RedisServer stopped = RedisServer.builder().build()) {
                RedisOptions options = RedisOptions.standalone(stopped.uri()).commandTimeout(Duration.ofMillis(500))
                        .startupTimeout(Duration.ofSeconds(1)).build();
                assertThatThrownBy(() -> RedisState.connect(options).sessionStore(RedisTesting.LONG_LIVED))
                        .isInstanceOf(StateUnavailableException.class)
                        .hasMessageContaining("redis connect")
                        .hasMessageContaining(stopped.hostAndPort());
            }
        }
    }

    @Nested
    @DisplayName("runtime integration")
    class Runtime {

        @Test
        @DisplayName("sessions and leases built through a StateRuntime share one connection and guard, and report readiness")
        void throughRuntime() {
            RedisState state = RedisState.connect(RedisOptions.standalone(redis.backend().uri()).build());
            redis.closeAfter(state);
            try (StateRuntime runtime = StateRuntime.builder(redis.app())
                    .sessions(state.sessions(RedisTesting.LONG_LIVED))
                    .leases(state.leases())
                    .build()) {
                Session s = runtime.sessions().create();
                Lease lease = runtime.leases().tryAcquire("nightly-report", Duration.ofSeconds(5)).orElseThrow();

                assertThat(state.guard()).isSameAs(runtime.guard(RedisState.BACKEND));
                assertThat(redis.raw().sessionAttributes(redis.keys(), s.id())).as("keys use the runtime's app name").isPresent();
                assertThat(redis.raw().leaseToken(redis.keys(), "nightly-report")).contains(lease.fencingToken());
                HealthReport ready = runtime.health().readiness();
                assertThat(ready.up()).isTrue();
                assertThat(ready.components()).anyMatch(c -> c.component().equals("redis") && c.status() == BackendHealth.Status.UP);
            }
            assertThat(state.guard()).as("closing the runtime closes the shared connection").isNull();
            assertThat(state.health().health().status()).isEqualTo(BackendHealth.Status.DOWN);
        }

        @Test
        @DisplayName("a guard policy set in RedisOptions is the policy of the runtime's redis guard; a different one in the runtime fails the build")
        void optionsGuardPolicyUnderRuntime() {
            GuardPolicy distinctive = RedisTesting.PATIENT.toBuilder().timeout(Duration.ofMillis(4321)).build();
            RedisState state = RedisState.connect(RedisOptions.standalone(redis.backend().uri()).guardPolicy(distinctive).build());
            redis.closeAfter(state);
            try (StateRuntime runtime = StateRuntime.builder(redis.app())
                    .sessions(state.sessions(RedisTesting.LONG_LIVED))
                    .leases(state.leases())
                    .build()) {
                assertThat(runtime.guard(RedisState.BACKEND).policy()).isEqualTo(distinctive);
                assertThat(state.guard().policy().timeout()).isEqualTo(Duration.ofMillis(4321));
                runtime.sessions().create();
                assertThat(state.guard().stats().calls()).as("calls went through that guard").isPositive();
            }

            RedisState another = RedisState.connect(RedisOptions.standalone(redis.backend().uri()).guardPolicy(distinctive).build());
            redis.closeAfter(another);
            assertThatThrownBy(() -> StateRuntime.builder(redis.app())
                    .guardPolicy(RedisState.BACKEND, RedisTesting.PATIENT)
                    .sessions(another.sessions(RedisTesting.LONG_LIVED))
                    .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("conflicting guard policies for backend 'redis'")
                    .hasMessageContaining("timeout=PT4.321S");
        }
    }
}
