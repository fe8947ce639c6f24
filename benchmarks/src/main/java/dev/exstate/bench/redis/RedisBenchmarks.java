package dev.exstate.bench.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.exstate.codec.Codec;
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
import io.lettuce.core.ScriptOutputType;
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
import java.time.Instant;
import java.util.ArrayList;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.redisson.Redisson;
import org.redisson.api.RFencedLock;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RLock;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.config.Config;
import org.redisson.config.Protocol;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.SessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;

/**
 * exstate's Redis session store and lease provider side by side with the raw clients they are
 * built on (Caffeine for the near cache, Lettuce for Redis) and with the libraries a user would
 * pick instead (Spring Session's {@code RedisSessionRepository}, Redisson), against one real
 * {@code redis-server} on loopback started per fork and shared by every side. The benchmark
 * methods live here; {@link RedisLatency} runs them with 1 thread (average time) and
 * {@link RedisThroughput} with 16 threads (throughput). Method names are
 * {@code <comparison>_<side>_<what it does>}: {@code ratios.py} pairs them by that prefix.
 *
 * <p>Fairness rules, so that a ratio means "what exstate adds":
 * <ul>
 *   <li>one multiplexed Lettuce connection on each Lettuce side (exstate, raw, Spring Data Redis),
 *       RESP3, and the same client resources (2 I/O + 2 computation threads); Redisson cannot
 *       multiplex one connection (a command holds its pooled connection until the reply), so it
 *       keeps its default pool, with 2 Netty threads and RESP3;</li>
 *   <li>the same hash where the format allows: the raw and Redisson {@code RMap} reads read the
 *       session hash exstate wrote; Spring Session and Redisson's cached map hold their own copy
 *       of the same four attributes in their own format;</li>
 *   <li>the raw write is {@code HSET} + {@code PEXPIRE} pipelined (sent back to back, then both
 *       awaited: one round trip, not atomic);</li>
 *   <li>each thread works on its own session and lease (lock) name, as request threads do.</li>
 * </ul>
 *
 * <p>Every benchmark counts its operations; {@link Backend} reads Redis's {@code INFO} over its own
 * connection before and after each iteration and prints, per operation, the commands Redis ran
 * ({@code INFO commandstats}, commands inside scripts included) and the client round trips it
 * served ({@code total_reads_processed}: read events on client sockets), see {@link CommandCounter}.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public abstract class RedisBenchmarks {
    static final String APP = "bench";
    static final String USER = "user";
    static final String CART = "cart";
    /** The attribute the compute benchmarks increment (a counter). */
    static final String VISITS = "visits";
    static final Duration LEASE_TTL = Duration.ofSeconds(30);
    static final long MAX_INACTIVE_MS = SessionOptions.defaults().maxInactiveInterval().toMillis();
    /** Sessions prepared per trial: more than the largest thread count. */
    static final int POOL = 64;

    /**
     * The raw side of compute: an optimistic compare-and-set on the value the caller last saw (its
     * "cached version"), one round trip when nothing changed. Returns {1} or {0, current}.
     */
    static final String RAW_CAS = """
            local v = redis.call('HGET', KEYS[1], ARGV[1])
            if (v == false and ARGV[2] == '') or v == ARGV[2] then
              redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
              redis.call('PEXPIRE', KEYS[1], ARGV[4])
              return {1}
            end
            return {0, v}
            """;

    // ---------------------------------------------------------------- near-cache hit

    /** exstate: find a session this replica has cached, read one attribute. */
    @Benchmark
    public String hit_exstate_find_get(PerThread t) {
        t.ops++;
        return t.backend.cached.find(t.readId).orElseThrow().getString(USER).orElseThrow();
    }

    /** Raw Caffeine: getIfPresent on an equivalent cache of session maps, read one attribute. */
    @Benchmark
    public Object hit_raw_caffeine_getIfPresent(PerThread t) {
        t.ops++;
        return t.backend.caffeine.getIfPresent(t.readId).get(USER);
    }

    /** Redisson: {@code RLocalCachedMap.get} of one attribute of a session hash held in its local cache. */
    @Benchmark
    public String hit_redisson_localcachedmap_get(PerThread t) {
        t.ops++;
        return t.redissonSession.get(USER);
    }

    // ---------------------------------------------------------------- read on a miss

    /** exstate with the near cache off: every find is one EVALSHA (HGETALL + touch check) and a parse. */
    @Benchmark
    public String miss_exstate_find_get(PerThread t) {
        t.ops++;
        return t.backend.uncached.find(t.readId).orElseThrow().getString(USER).orElseThrow();
    }

    /** Raw Lettuce: HGETALL of the same hash, decode one attribute. */
    @Benchmark
    public String miss_raw_hgetall(PerThread t) {
        t.ops++;
        Map<String, byte[]> all = t.backend.sync.hgetall(t.readKey);
        return new String(all.get(t.userField), StandardCharsets.UTF_8);
    }

    /** Raw Lettuce: HGET of one field of the same hash. */
    @Benchmark
    public String miss_raw_hget(PerThread t) {
        t.ops++;
        return new String(t.backend.sync.hget(t.readKey, t.userField), StandardCharsets.UTF_8);
    }

    /** Spring Session: {@code RedisSessionRepository.findById} (HGETALL, every value deserialized), read one attribute. */
    @Benchmark
    public Object miss_springsession_findById_get(PerThread t) {
        t.ops++;
        return t.backend.spring.findById(t.springReadId).getAttribute(USER);
    }

    /** Redisson: {@code RMap.readAllMap} (HGETALL) of the same hash exstate wrote, read one attribute. */
    @Benchmark
    public String miss_redisson_rmap_readAllMap(PerThread t) {
        t.ops++;
        return t.redissonReadMap.readAllMap().get(t.userField);
    }

    // ---------------------------------------------------------------- attribute write

    /** exstate: put one attribute and save (delta write + limits + TTL refresh: one EVALSHA). */
    @Benchmark
    public Session write_exstate_put_save(PerThread t) {
        t.ops++;
        Session s = t.writeSession;
        s.putString(CART, t.nextCart());
        t.backend.cached.save(s);
        return s;
    }

    /** Raw Lettuce: HSET + PEXPIRE pipelined (one round trip, not atomic). */
    @Benchmark
    public Boolean write_raw_hset_pexpire(PerThread t) throws Exception {
        t.ops++;
        return hsetPexpire(t, t.rawWriteKey, t.nextCart());
    }

    // ---------------------------------------------------------------- request on a cached session

    /**
     * exstate: what a request does with its session, cached on this replica: find, change one
     * attribute, save. 1 round trip if the near cache still holds the session after the previous
     * request's save, 2 if that save emptied it.
     */
    @Benchmark
    public Session request_exstate_find_put_save(PerThread t) {
        t.ops++;
        Session s = t.backend.cached.find(t.requestId).orElseThrow();
        s.putString(CART, t.nextCart());
        t.backend.cached.save(s);
        return s;
    }

    /**
     * Spring Session: what its {@code SessionRepositoryFilter} does for such a request:
     * {@code findById}, {@code setLastAccessedTime}, {@code setAttribute}, {@code save}.
     */
    @Benchmark
    public Object request_springsession_find_set_save(PerThread t) {
        t.ops++;
        org.springframework.session.Session s = t.backend.spring.findById(t.springRequestId);
        s.setLastAccessedTime(Instant.now());
        s.setAttribute(CART, t.nextCart());
        t.backend.spring.save(s);
        return s;
    }

    /**
     * Raw: the session map from a Caffeine cache, change one attribute there, write it through
     * with HSET + PEXPIRE pipelined (one round trip; no invalidation of other replicas' copies).
     */
    @Benchmark
    public Boolean request_raw_caffeine_hset_pexpire(PerThread t) throws Exception {
        t.ops++;
        Map<String, Object> session = t.backend.caffeine.getIfPresent(t.rawRequestId);
        String cart = t.nextCart();
        session.put(CART, cart);
        return hsetPexpire(t, t.rawRequestKey, cart);
    }

    // ---------------------------------------------------------------- compute on one attribute

    /** exstate: {@code compute} (atomic read-modify-write) of a counter attribute of a cached session. */
    @Benchmark
    public Long compute_exstate_compute(PerThread t) {
        t.ops++;
        return t.backend.cached.compute(t.computeId, VISITS, Codec.longs(), v -> v == null ? 1L : v + 1);
    }

    /**
     * Raw Lettuce: a Lua compare-and-set (EVALSHA: HGET, compare, HSET + PEXPIRE) on the value this
     * thread saw last; on a conflict it retries with the value the script returned. WATCH/MULTI is
     * not an option on a shared multiplexed connection (WATCH is per connection).
     */
    @Benchmark
    public byte[] compute_raw_lua_cas(PerThread t) {
        t.ops++;
        Backend b = t.backend;
        while (true) {
            byte[] next = Long.toString(t.rawVisits == null ? 1 : Long.parseLong(new String(t.rawVisits, StandardCharsets.US_ASCII)) + 1)
                    .getBytes(StandardCharsets.US_ASCII);
            List<Object> reply = b.sync.evalsha(b.rawCasSha, ScriptOutputType.MULTI, new String[] {t.rawComputeKey},
                    t.visitsField, t.rawVisits == null ? new byte[0] : t.rawVisits, next, b.maxInactiveBytes);
            if ((Long) reply.get(0) == 1) {
                t.rawVisits = next;
                return next;
            }
            t.rawVisits = reply.size() > 1 ? (byte[]) reply.get(1) : null;
        }
    }

    /** Redisson: {@code RMap.compute} (Redisson takes a per-key lock, reads, writes, unlocks). */
    @Benchmark
    public String compute_redisson_rmap_compute(PerThread t) {
        t.ops++;
        return t.redissonComputeMap.compute(VISITS, (k, v) -> increment(v));
    }

    /**
     * Redisson, optimistic on its local cache: {@code RLocalCachedMap.get} (a local hit) then
     * {@code replace(key, old, new)} (one script), re-read and retry on a conflict.
     */
    @Benchmark
    public String compute_redisson_localcachedmap_replace(PerThread t) {
        t.ops++;
        RLocalCachedMap<String, String> m = t.redissonSession;
        while (true) {
            String current = m.get(VISITS);
            String next = increment(current);
            if (current == null ? m.fastPutIfAbsent(VISITS, next) : m.replace(VISITS, current, next)) {
                return next;
            }
        }
    }

    // ---------------------------------------------------------------- lease

    /** exstate: tryAcquire (Lua: GET, INCR token, SET PX) then release (Lua: compare and DEL). */
    @Benchmark
    public long lease_exstate_acquire_release(PerThread t) {
        t.ops++;
        Lease lease = t.backend.leases.tryAcquire(t.leaseName, t.backend.leaseOptions)
                .orElseThrow(() -> new IllegalStateException("lease " + t.leaseName + " not free"));
        long token = lease.fencingToken();
        lease.close();
        return token;
    }

    /** Raw Lettuce: SET NX PX then DEL. */
    @Benchmark
    public Long lease_raw_setnxpx_del(PerThread t) {
        t.ops++;
        String ok = t.backend.syncStrings.set(t.rawLeaseKey, t.rawLeaseValue, t.backend.setNxPx);
        if (!"OK".equals(ok)) {
            throw new IllegalStateException("raw lease " + t.rawLeaseKey + " not free");
        }
        return t.backend.syncStrings.del(t.rawLeaseKey);
    }

    /** Redisson: {@code RLock.tryLock(0, ttl)} then {@code unlock} (no watchdog: a lease time is given). */
    @Benchmark
    public boolean lease_redisson_rlock_tryLock_unlock(PerThread t) throws InterruptedException {
        t.ops++;
        if (!t.redissonLock.tryLock(0, LEASE_TTL.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("redisson lock of " + t.leaseName + " not free");
        }
        t.redissonLock.unlock();
        return true;
    }

    /** Redisson: {@code RFencedLock.tryLockAndGetToken(0, ttl)} then {@code unlock}: a lock with a fencing token. */
    @Benchmark
    public Long lease_redisson_fencedlock_tryLockAndGetToken_unlock(PerThread t) {
        t.ops++;
        Long token = t.redissonFencedLock.tryLockAndGetToken(0, LEASE_TTL.toMillis(), TimeUnit.MILLISECONDS);
        if (token == null) {
            throw new IllegalStateException("redisson fenced lock of " + t.leaseName + " not free");
        }
        t.redissonFencedLock.unlock();
        return token;
    }

    private static Boolean hsetPexpire(PerThread t, String key, String cart) throws Exception {
        byte[] value = cart.getBytes(StandardCharsets.UTF_8);
        RedisFuture<Boolean> hset = t.backend.async.hset(key, t.cartField, value);
        RedisFuture<Boolean> pexpire = t.backend.async.pexpire(key, MAX_INACTIVE_MS);
        Boolean r = await(hset);
        if (!await(pexpire)) {
            throw new IllegalStateException("PEXPIRE on a missing key");
        }
        return r;
    }

    static String increment(String counter) {
        return counter == null ? "1" : Long.toString(Long.parseLong(counter) + 1);
    }

    private static <T> T await(RedisFuture<T> f) throws InterruptedException, ExecutionException, TimeoutException {
        return f.get(2, TimeUnit.SECONDS);
    }

    // ================================================================ states

    /**
     * One Redis server and every side's clients, shared by all threads of a trial (one replica).
     * The peers' clients (Spring Session, Redisson) are started only for the benchmarks that use
     * them, so that their idle threads and connections do not sit beside the others' measurements.
     */
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
        String rawCasSha;
        byte[] maxInactiveBytes;

        Cache<SessionId, Map<String, Object>> caffeine;
        /** For {@link RedisDiagnostics}: the same cache holding encoded bytes, as the near cache does. */
        Cache<SessionId, Map<String, byte[]>> caffeineBytes;
        /** For {@link RedisDiagnostics}: a guard with the default policy around raw Lettuce calls. */
        Guard rawGuard;

        /** Spring Session's repository, typed as its filter sees it ({@code RedisSession} is not public). */
        SessionRepository<org.springframework.session.Session> spring;
        ClientResources springResources;
        LettuceConnectionFactory springConnections;
        RedissonClient redisson;

        SessionId[] readIds = new SessionId[POOL];
        SessionId[] writeIds = new SessionId[POOL];
        SessionId[] rawWriteIds = new SessionId[POOL];
        SessionId[] requestIds = new SessionId[POOL];
        SessionId[] rawRequestIds = new SessionId[POOL];
        SessionId[] computeIds = new SessionId[POOL];
        SessionId[] rawComputeIds = new SessionId[POOL];
        String[] springReadIds = new String[POOL];
        String[] springRequestIds = new String[POOL];
        final AtomicInteger nextThread = new AtomicInteger();

        /** Every thread's state, for the operation counts. */
        final List<PerThread> threads = new ArrayList<>();
        CommandCounter counter;
        String benchmark = "all";
        private CommandCounter.Snapshot iterationStart;
        private long iterationStartOps;
        private final CommandCounter.Totals measured = new CommandCounter.Totals();

        /** JMH: starts what {@code params}' benchmark needs. */
        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            String full = params.getBenchmark();
            String[] parts = full.split("\\.");
            benchmark = parts[parts.length - 2] + "." + parts[parts.length - 1];
            String method = parts[parts.length - 1];
            start(method.contains("_springsession_"), method.contains("_redisson_"));
        }

        /** Everything, peers included (the interleaved harness). */
        public void start() {
            start(true, true);
        }

        void start(boolean withSpring, boolean withRedisson) {
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
            rawCasSha = syncStrings.scriptLoad(RAW_CAS);
            maxInactiveBytes = Long.toString(MAX_INACTIVE_MS).getBytes(StandardCharsets.US_ASCII);

            // the near cache's Caffeine configuration (NearCacheEngine): same size, expireAfterWrite
            caffeine = Caffeine.newBuilder().maximumSize(options.nearCacheSize()).expireAfterWrite(Duration.ofMinutes(10)).build();
            caffeineBytes = Caffeine.newBuilder().maximumSize(options.nearCacheSize()).expireAfterWrite(Duration.ofMinutes(10)).build();
            rawGuard = Guard.create("redis-raw", GuardPolicy.defaults());

            if (withSpring) {
                startSpringSession();
            }
            if (withRedisson) {
                startRedisson();
            }

            for (int i = 0; i < POOL; i++) {
                readIds[i] = newSession(i);
                writeIds[i] = newSession(i);
                rawWriteIds[i] = newSession(i);
                requestIds[i] = newSession(i);
                rawRequestIds[i] = newSession(i);
                computeIds[i] = newSession(i);
                rawComputeIds[i] = newSession(i);
                Map<String, Object> local = new HashMap<>();
                Map<String, byte[]> localBytes = new HashMap<>();
                Session s = cached.find(readIds[i]).orElseThrow();
                for (String name : s.attributeNames()) {
                    local.put(name, s.getString(name).orElseThrow());
                    localBytes.put(name, s.getBytes(name).orElseThrow());
                }
                caffeine.put(readIds[i], local);
                caffeine.put(rawRequestIds[i], new HashMap<>(local));
                caffeineBytes.put(readIds[i], localBytes);
                if (spring != null) {
                    springReadIds[i] = springSession(i);
                    springRequestIds[i] = springSession(i);
                }
                if (redisson != null) {
                    Map<String, String> attributes = new HashMap<>();
                    local.forEach((k, v) -> attributes.put(k, (String) v));
                    attributes.put(VISITS, "0");
                    redisson.<String, String>getMap(redissonSessionKey(i)).putAll(attributes);
                    redisson.<String, String>getMap(redissonComputeKey(i)).putAll(attributes);
                }
            }
            counter = new CommandCounter(server);
        }

        /**
         * As Spring Session's {@code RedisHttpSessionConfiguration} builds its template (String keys
         * and hash keys, the template's default JDK serialization of values) on a
         * {@code LettuceConnectionFactory} with one shared connection, here on this module's Lettuce
         * and its own 2 + 2 client threads.
         */
        private void startSpringSession() {
            springResources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
            springConnections = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", server.port()),
                    LettuceClientConfiguration.builder().clientResources(springResources).build());
            springConnections.afterPropertiesSet();
            springConnections.start();
            RedisTemplate<String, Object> template = new RedisTemplate<>();
            template.setKeySerializer(RedisSerializer.string());
            template.setHashKeySerializer(RedisSerializer.string());
            template.setConnectionFactory(springConnections);
            template.setBeanClassLoader(RedisBenchmarks.class.getClassLoader());
            template.afterPropertiesSet();
            spring = cast(new RedisSessionRepository(template));
        }

        /** Redisson on RESP3 with 2 Netty threads and String values; its default connection pool. */
        private void startRedisson() {
            Config config = new Config();
            config.setProtocol(Protocol.RESP3);
            config.setNettyThreads(2);
            config.setCodec(org.redisson.client.codec.StringCodec.INSTANCE);
            config.useSingleServer().setAddress("redis://127.0.0.1:" + server.port());
            redisson = Redisson.create(config);
        }

        @SuppressWarnings("unchecked")
        private static SessionRepository<org.springframework.session.Session> cast(SessionRepository<?> repository) {
            return (SessionRepository<org.springframework.session.Session>) repository;
        }

        private String springSession(int i) {
            org.springframework.session.Session s = spring.createSession();
            s.setAttribute(USER, "user-" + i + "@example.com");
            s.setAttribute("locale", "en-GB");
            s.setAttribute("roles", "[\"customer\",\"beta\"]");
            s.setAttribute(CART, cart(0));
            spring.save(s);
            return s.getId();
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

        synchronized void register(PerThread t) {
            threads.add(t);
        }

        synchronized long operations() {
            long n = 0;
            for (PerThread t : threads) {
                n += t.ops;
            }
            return n;
        }

        @Setup(Level.Iteration)
        public void beginIteration() {
            iterationStartOps = operations();
            iterationStart = counter.snapshot();
        }

        /** Prints the commands and round trips per operation of a measured iteration. */
        @TearDown(Level.Iteration)
        public void endIteration(IterationParams iteration) {
            CommandCounter.Snapshot end = counter.snapshot();
            long ops = operations() - iterationStartOps;
            CommandCounter.Delta d = end.minus(iterationStart);
            // ops == 0: a benchmark that does not count its operations (RedisDiagnostics)
            if (iteration.getType() == IterationType.MEASUREMENT && ops > 0) {
                measured.add(d, ops);
                System.out.println("\n[rt] " + benchmark + " (iteration): " + d.perOp(ops));
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (measured.ops() > 0) {
                System.out.println("\n[rt] " + benchmark + ": " + measured.perOp());
            }
            cached.nearCacheStats().ifPresent(st -> System.out.println("\n[bench] exstate near cache: " + st));
            // server-side cost per command (µs), to tell Redis time from client time
            try {
                for (String line : String.valueOf(server.call("INFO", "commandstats")).split("\r?\n")) {
                    if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
                        System.out.println("[bench] " + line.trim());
                    }
                }
            } catch (RuntimeException e) {
                System.out.println("[bench] INFO commandstats failed: " + e);
            }
            closeAll(counter, cached, uncached, leases, cachedState, uncachedState, rawGuard);
            try {
                if (redisson != null) {
                    redisson.shutdown(0, 2, TimeUnit.SECONDS);
                }
                if (springConnections != null) {
                    springConnections.destroy();
                    springResources.shutdown(0, 2, TimeUnit.SECONDS);
                }
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
        byte[] visitsField = ("a:" + VISITS).getBytes(StandardCharsets.UTF_8);
        Session writeSession;
        String rawWriteKey;
        SessionId requestId;
        SessionId rawRequestId;
        String rawRequestKey;
        SessionId computeId;
        String rawComputeKey;
        /** The raw compute's "cached version": the counter as this thread last saw it. */
        byte[] rawVisits;
        String leaseName;
        String rawLeaseKey;
        String rawLeaseValue;
        String springReadId;
        String springRequestId;
        RLocalCachedMap<String, String> redissonSession;
        RMap<String, String> redissonReadMap;
        RMap<String, String> redissonComputeMap;
        RLock redissonLock;
        RFencedLock redissonFencedLock;
        /** Operations this thread ran (warm-up included); read by {@link Backend} between iterations. */
        long ops;
        private int counter;

        @Setup(Level.Trial)
        public void setUp(Backend b) {
            backend = b;
            int i = b.nextThread.getAndIncrement() % POOL;
            readId = b.readIds[i];
            readKey = key(readId);
            writeSession = b.cached.find(b.writeIds[i]).orElseThrow();
            rawWriteKey = key(b.rawWriteIds[i]);
            requestId = b.requestIds[i];
            rawRequestId = b.rawRequestIds[i];
            rawRequestKey = key(rawRequestId);
            computeId = b.computeIds[i];
            rawComputeKey = key(b.rawComputeIds[i]);
            leaseName = "bench-lease-" + i;
            rawLeaseKey = "raw:" + APP + ":lease:{" + leaseName + "}";
            rawLeaseValue = UUID.randomUUID() + ":" + i;
            // fill the near cache: the first find loads and caches, the second must hit
            for (SessionId id : new SessionId[] {readId, requestId, computeId}) {
                b.cached.find(id).orElseThrow();
                b.cached.find(id).orElseThrow();
            }
            if (b.spring != null) {
                springReadId = b.springReadIds[i];
                springRequestId = b.springRequestIds[i];
            }
            if (b.redisson != null) {
                redissonSession = b.redisson.getLocalCachedMap(LocalCachedMapOptions.<String, String>name(redissonSessionKey(i))
                        .cacheSize(10_000).timeToLive(Duration.ofMinutes(10)));
                redissonSession.preloadCache();
                redissonReadMap = b.redisson.getMap(readKey);
                redissonComputeMap = b.redisson.getMap(redissonComputeKey(i));
                redissonLock = b.redisson.getLock("redisson:" + APP + ":lock:{" + leaseName + "}");
                redissonFencedLock = b.redisson.getFencedLock("redisson:" + APP + ":fencedlock:{" + leaseName + "}");
            }
            b.register(this);
        }

        String nextCart() {
            return cart(++counter & 1);
        }
    }

    static String key(SessionId id) {
        return "exstate:" + APP + ":session:{" + id.value() + "}";
    }

    static String redissonSessionKey(int i) {
        return "redisson:" + APP + ":session:{" + i + "}";
    }

    static String redissonComputeKey(int i) {
        return "redisson:" + APP + ":compute:{" + i + "}";
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
