package dev.exstate.bench.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.redis.RedisLeaseProvider;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisSessionStore;
import dev.exstate.redis.RedisState;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * exstate's Redis session store and lease provider side by side with the raw clients they are
 * built on (Caffeine for the near cache, Lettuce for Redis), against one real {@code redis-server}
 * on loopback started per fork. The benchmark methods live here; {@link RedisLatency} runs them
 * with 1 thread (average time) and {@link RedisThroughput} with 16 threads (throughput).
 *
 * <p>Fairness rules, so that a ratio means "what exstate adds":
 * <ul>
 *   <li>one multiplexed Lettuce connection on each side, the same codec (String keys, byte[]
 *       values), RESP3, and the same client resources (2 I/O + 2 computation threads);</li>
 *   <li>the same hash: the raw reads read the session hash exstate wrote;</li>
 *   <li>the same number of round trips: an exstate save is one {@code EVALSHA}, the raw write is
 *       {@code HSET} + {@code PEXPIRE} pipelined (sent back to back, then both awaited: one round
 *       trip, not atomic); an exstate lease acquire + release is two {@code EVALSHA}s, the raw one
 *       {@code SET NX PX} + {@code DEL};</li>
 *   <li>each thread works on its own session and lease name, as request threads do.</li>
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public abstract class RedisBenchmarks {
    static final String APP = "bench";
    static final String USER = "user";
    static final String CART = "cart";
    static final Duration LEASE_TTL = Duration.ofSeconds(30);
    /** Sessions prepared per trial: more than the largest thread count. */
    static final int POOL = 64;

    // ---------------------------------------------------------------- near-cache hit

    /** exstate: find a session this replica has cached, read one attribute. */
    @Benchmark
    public String hit_exstate_find_get(PerThread t) {
        return t.backend.cached.find(t.readId).orElseThrow().getString(USER).orElseThrow();
    }

    /** Raw Caffeine: getIfPresent on an equivalent cache of session maps, read one attribute. */
    @Benchmark
    public Object hit_raw_caffeine_getIfPresent(PerThread t) {
        return t.backend.caffeine.getIfPresent(t.readId).get(USER);
    }

    // ---------------------------------------------------------------- read on a miss

    /** exstate with the near cache off: every find is one EVALSHA (HGETALL + touch check) and a parse. */
    @Benchmark
    public String miss_exstate_find_get(PerThread t) {
        return t.backend.uncached.find(t.readId).orElseThrow().getString(USER).orElseThrow();
    }

    /** Raw Lettuce: HGETALL of the same hash, decode one attribute. */
    @Benchmark
    public String miss_raw_hgetall(PerThread t) {
        Map<String, byte[]> all = t.backend.sync.hgetall(t.readKey);
        return new String(all.get(t.userField), StandardCharsets.UTF_8);
    }

    /** Raw Lettuce: HGET of one field of the same hash. */
    @Benchmark
    public String miss_raw_hget(PerThread t) {
        return new String(t.backend.sync.hget(t.readKey, t.userField), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- attribute write

    /** exstate: put one attribute and save (delta write + limits + TTL refresh: one EVALSHA). */
    @Benchmark
    public Session write_exstate_put_save(PerThread t) {
        Session s = t.writeSession;
        s.putString(CART, t.nextCart());
        t.backend.cached.save(s);
        return s;
    }

    /** Raw Lettuce: HSET + PEXPIRE pipelined (one round trip, not atomic). */
    @Benchmark
    public Boolean write_raw_hset_pexpire(PerThread t) throws Exception {
        byte[] value = t.nextCart().getBytes(StandardCharsets.UTF_8);
        RedisFuture<Boolean> hset = t.backend.async.hset(t.rawWriteKey, t.cartField, value);
        RedisFuture<Boolean> pexpire = t.backend.async.pexpire(t.rawWriteKey, SessionOptions.defaults().maxInactiveInterval().toMillis());
        Boolean r = await(hset);
        if (!await(pexpire)) {
            throw new IllegalStateException("PEXPIRE on a missing key");
        }
        return r;
    }

    // ---------------------------------------------------------------- lease

    /** exstate: tryAcquire (Lua: GET, INCR token, SET PX) then release (Lua: compare and DEL). */
    @Benchmark
    public long lease_exstate_acquire_release(PerThread t) {
        Lease lease = t.backend.leases.tryAcquire(t.leaseName, t.backend.leaseOptions)
                .orElseThrow(() -> new IllegalStateException("lease " + t.leaseName + " not free"));
        long token = lease.fencingToken();
        lease.close();
        return token;
    }

    /** Raw Lettuce: SET NX PX then DEL. */
    @Benchmark
    public Long lease_raw_setnxpx_del(PerThread t) {
        String ok = t.backend.syncStrings.set(t.rawLeaseKey, t.rawLeaseValue, t.backend.setNxPx);
        if (!"OK".equals(ok)) {
            throw new IllegalStateException("raw lease " + t.rawLeaseKey + " not free");
        }
        return t.backend.syncStrings.del(t.rawLeaseKey);
    }

    private static <T> T await(RedisFuture<T> f) throws InterruptedException, ExecutionException, TimeoutException {
        return f.get(2, TimeUnit.SECONDS);
    }

    // ================================================================ states

    /** One Redis server and both sides' clients, shared by all threads of a trial (one replica). */
    @State(Scope.Benchmark)
    public static class Backend {
        RedisServer server;
        RedisState cachedState;
        RedisState uncachedState;
        RedisSessionStore cached;
        RedisSessionStore uncached;
        RedisLeaseProvider leases;
        LeaseOptions leaseOptions;

        ClientResources rawResources;
        RedisClient rawClient;
        StatefulRedisConnection<String, byte[]> rawConnection;
        StatefulRedisConnection<String, String> rawStringConnection;
        RedisCommands<String, byte[]> sync;
        RedisAsyncCommands<String, byte[]> async;
        RedisCommands<String, String> syncStrings;
        SetArgs setNxPx;

        Cache<SessionId, Map<String, Object>> caffeine;
        /** For {@link RedisDiagnostics}: the same cache holding encoded bytes, as the near cache does. */
        Cache<SessionId, Map<String, byte[]>> caffeineBytes;
        /** For {@link RedisDiagnostics}: a guard with the default policy around raw Lettuce calls. */
        Guard rawGuard;

        SessionId[] readIds = new SessionId[POOL];
        SessionId[] writeIds = new SessionId[POOL];
        SessionId[] rawWriteIds = new SessionId[POOL];
        final AtomicInteger nextThread = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() {
            // no RDB snapshots: a background save forking in the middle of a measurement would
            // distort both sides (the default config saves after 10,000 changes in 60 s)
            server = RedisServer.builder().arg("--save", "").start();
            RedisOptions options = RedisOptions.standalone(server.uri()).appName(APP).build();
            cachedState = RedisState.connect(options);
            cached = cachedState.sessionStore(SessionOptions.defaults());
            leases = cachedState.leaseProvider();
            uncachedState = RedisState.connect(options.toBuilder().nearCacheSize(0).build());
            uncached = uncachedState.sessionStore(SessionOptions.defaults());
            leaseOptions = LeaseOptions.of(LEASE_TTL);

            // the same thread counts as exstate's connector (RedisConnector: 2 I/O + 2 computation)
            rawResources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
            rawClient = RedisClient.create(rawResources, RedisURI.create(server.uri()));
            rawConnection = rawClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            rawStringConnection = rawClient.connect(StringCodec.UTF8);
            sync = rawConnection.sync();
            async = rawConnection.async();
            syncStrings = rawStringConnection.sync();
            setNxPx = SetArgs.Builder.nx().px(LEASE_TTL.toMillis());

            // the near cache's Caffeine configuration (NearCacheEngine): same size, expireAfterWrite
            caffeine = Caffeine.newBuilder().maximumSize(options.nearCacheSize()).expireAfterWrite(Duration.ofMinutes(10)).build();
            caffeineBytes = Caffeine.newBuilder().maximumSize(options.nearCacheSize()).expireAfterWrite(Duration.ofMinutes(10)).build();
            rawGuard = Guard.create("redis-raw", GuardPolicy.defaults());

            for (int i = 0; i < POOL; i++) {
                readIds[i] = newSession(i);
                writeIds[i] = newSession(i);
                rawWriteIds[i] = newSession(i);
                Map<String, Object> local = new HashMap<>();
                Map<String, byte[]> localBytes = new HashMap<>();
                Session s = cached.find(readIds[i]).orElseThrow();
                for (String name : s.attributeNames()) {
                    local.put(name, s.getString(name).orElseThrow());
                    localBytes.put(name, s.getBytes(name).orElseThrow());
                }
                caffeine.put(readIds[i], local);
                caffeineBytes.put(readIds[i], localBytes);
            }
        }

        private SessionId newSession(int i) {
            Session s = cached.create();
            s.putString(USER, "user-" + i + "@example.com");
            s.putString("locale", "en-GB");
            s.putString("roles", "[\"customer\",\"beta\"]");
            s.putString(CART, cart(0));
            cached.save(s);
            return s.id();
        }

        @TearDown(Level.Trial)
        public void stop() {
            cached.nearCacheStats().ifPresent(st -> System.out.println("\n[bench] exstate near cache: " + st));
            // server-side cost per command (µs), to tell Redis time from client time
            try {
                for (String line : String.valueOf(server.call("INFO", "commandstats")).split("\r?\n")) {
                    if (line.matches("cmdstat_(evalsha|eval|hgetall|hget|hset|pexpire|set|del|incr):.*")) {
                        System.out.println("[bench] " + line.trim());
                    }
                }
            } catch (RuntimeException e) {
                System.out.println("[bench] INFO commandstats failed: " + e);
            }
            closeAll(cached, uncached, leases, cachedState, uncachedState, rawGuard);
            try {
                rawConnection.close();
                rawStringConnection.close();
                rawClient.shutdown(0, 2, TimeUnit.SECONDS);
                rawResources.shutdown(0, 2, TimeUnit.SECONDS);
            } finally {
                server.close();
            }
        }
    }

    /** What one request thread works on: its own sessions and lease names. */
    @State(Scope.Thread)
    public static class PerThread {
        Backend backend;
        SessionId readId;
        String readKey;
        String userField = "a:" + USER;
        String cartField = "a:" + CART;
        Session writeSession;
        String rawWriteKey;
        String leaseName;
        String rawLeaseKey;
        String rawLeaseValue;
        private int counter;

        @Setup(Level.Trial)
        public void setUp(Backend b) {
            backend = b;
            int i = b.nextThread.getAndIncrement() % POOL;
            readId = b.readIds[i];
            readKey = key(readId);
            writeSession = b.cached.find(b.writeIds[i]).orElseThrow();
            rawWriteKey = key(b.rawWriteIds[i]);
            leaseName = "bench-lease-" + i;
            rawLeaseKey = "raw:" + APP + ":lease:{" + leaseName + "}";
            rawLeaseValue = UUID.randomUUID() + ":" + i;
            // fill the near cache: the first find loads and caches, the second must hit
            b.cached.find(readId).orElseThrow();
            b.cached.find(readId).orElseThrow();
        }

        String nextCart() {
            return cart(++counter & 1);
        }
    }

    static String key(SessionId id) {
        return "exstate:" + APP + ":session:{" + id.value() + "}";
    }

    private static final List<String> CARTS = List.of(
            "{\"items\":[{\"sku\":\"A-100\",\"qty\":1},{\"sku\":\"B-200\",\"qty\":2}],\"total\":\"31.40\"}",
            "{\"items\":[{\"sku\":\"A-100\",\"qty\":2},{\"sku\":\"B-200\",\"qty\":1}],\"total\":\"27.80\"}");

    static String cart(int which) {
        return CARTS.get(which);
    }

    private static void closeAll(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("[bench] close failed: " + e);
            }
        }
    }
}
