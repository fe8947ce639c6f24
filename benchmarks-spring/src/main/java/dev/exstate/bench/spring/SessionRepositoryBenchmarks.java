package dev.exstate.bench.spring;

import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisSessionStore;
import dev.exstate.redis.RedisState;
import dev.exstate.session.SessionOptions;
import dev.exstate.spring.boot.session.ExstateHttpSession;
import dev.exstate.spring.boot.session.ExstateSessionRepository;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;

/**
 * exstate's Spring Session repository ({@link ExstateSessionRepository} over the Redis
 * {@code SessionStore}) side by side with Spring Session's own {@link RedisSessionRepository}, in
 * one JVM against one real {@code redis-server} on loopback started per fork, on the library
 * versions Spring Boot 4.0.7 manages (one Lettuce, Netty and Jackson for both sides).
 *
 * <p>Both repositories are built as their Spring configuration builds them, with defaults:
 * exstate's with the near cache on (and a second one on a store with the near cache off, for
 * reads that miss it); Spring Session's over a {@code RedisTemplate<String, Object>} with String
 * keys and hash keys and the template's default JDK serialization of values, on a
 * {@link LettuceConnectionFactory} (one shared native connection). Every session holds the same
 * two attributes: {@code user} (a String) and {@code cart} (a {@link Cart} record). Each thread
 * works on its own sessions, as request threads do.
 *
 * <p>The request benchmarks call what Spring Session's {@code SessionRepositoryFilter} calls:
 * {@code findById}, {@code setLastAccessedTime(now)} (when the request asks for its session),
 * the application's reads and writes, then {@code save} when the response is committed.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public abstract class SessionRepositoryBenchmarks {
    static final String APP = "bench";
    static final String USER = "user";
    static final String CART = "cart";
    /** Sessions prepared per trial and side: more than the largest thread count. */
    static final int POOL = 64;

    // ---------------------------------------------------------------- findById + read both attributes

    /** exstate, the session in this replica's near cache: no round trip. */
    @Benchmark
    public Cart find_exstate_nearCacheHit(PerThread t) {
        return read(t.backend.exstate.findById(t.exstateReadId));
    }

    /** exstate, near cache off (what every read on a replica without the entry costs): one EVALSHA. */
    @Benchmark
    public Cart find_exstate_nearCacheMiss(PerThread t) {
        return read(t.backend.exstateNoCache.findById(t.exstateReadId));
    }

    /** Spring Session: HGETALL, values deserialized by the template (JDK serialization). */
    @Benchmark
    public Cart find_springSession(PerThread t) {
        return read(t.backend.spring.findById(t.springReadId));
    }

    // ---------------------------------------------------------------- request: find, set one attribute, save

    /** exstate (near cache on): findById + setAttribute + save (one EVALSHA writing the changed attribute). */
    @Benchmark
    public Session request_set_exstate(PerThread t) {
        ExstateHttpSession s = t.backend.exstate.findById(t.exstateCycleId);
        s.setLastAccessedTime(Instant.now());
        s.setAttribute(CART, t.nextCart());
        t.backend.exstate.save(s);
        return s;
    }

    /** exstate with the near cache off: the find is always a round trip. */
    @Benchmark
    public Session request_set_exstate_nearCacheOff(PerThread t) {
        ExstateHttpSession s = t.backend.exstateNoCache.findById(t.exstateNoCacheCycleId);
        s.setLastAccessedTime(Instant.now());
        s.setAttribute(CART, t.nextCart());
        t.backend.exstateNoCache.save(s);
        return s;
    }

    /** Spring Session: HGETALL, then save = EXISTS + HMSET (cart, lastAccessedTime) + PEXPIREAT. */
    @Benchmark
    public Session request_set_springSession(PerThread t) {
        Session s = t.backend.spring.findById(t.springCycleId);
        s.setLastAccessedTime(Instant.now());
        s.setAttribute(CART, t.nextCart());
        t.backend.spring.save(s);
        return s;
    }

    // ---------------------------------------------------------------- request that only reads its session

    /** exstate (near cache on): findById + getAttribute + save, which writes nothing (no change). */
    @Benchmark
    public Cart request_read_exstate(PerThread t) {
        ExstateHttpSession s = t.backend.exstate.findById(t.exstateReadId);
        s.setLastAccessedTime(Instant.now());
        Cart cart = read(s);
        t.backend.exstate.save(s);
        return cart;
    }

    /** Spring Session: the same request writes the new lastAccessedTime back (EXISTS + HMSET + PEXPIREAT). */
    @Benchmark
    public Cart request_read_springSession(PerThread t) {
        Session s = t.backend.spring.findById(t.springReadId);
        s.setLastAccessedTime(Instant.now());
        Cart cart = read(s);
        t.backend.spring.save(s);
        return cart;
    }

    private static Cart read(Session s) {
        String user = s.getAttribute(USER);
        Cart cart = s.getAttribute(CART);
        if (user == null || cart == null) {
            throw new IllegalStateException("session " + s.getId() + " lost an attribute");
        }
        return cart;
    }

    // ================================================================ states

    /** One Redis server and both repositories, shared by all threads of a trial (one replica). */
    @State(Scope.Benchmark)
    public static class Backend {
        RedisServer server;
        RedisState exstateState;
        RedisState exstateNoCacheState;
        RedisSessionStore store;
        RedisSessionStore storeNoCache;
        ExstateSessionRepository exstate;
        ExstateSessionRepository exstateNoCache;

        LettuceConnectionFactory connectionFactory;
        /**
         * Spring Session's repository, typed as its filter sees it ({@code RedisSession} is not
         * public).
         */
        SessionRepository<Session> spring;

        final String[] exstateReadIds = new String[POOL];
        final String[] exstateCycleIds = new String[POOL];
        final String[] exstateNoCacheCycleIds = new String[POOL];
        final String[] springReadIds = new String[POOL];
        final String[] springCycleIds = new String[POOL];
        final AtomicInteger nextThread = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() {
            // no RDB snapshots: a background save forking during a measurement would distort both sides
            server = RedisServer.builder().arg("--save", "").start();

            RedisOptions options = RedisOptions.standalone(server.uri()).appName(APP).build();
            exstateState = RedisState.connect(options);
            store = exstateState.sessionStore(SessionOptions.defaults());
            exstateNoCacheState = RedisState.connect(options.toBuilder().nearCacheSize(0).build());
            storeNoCache = exstateNoCacheState.sessionStore(SessionOptions.defaults());
            List<String> packages = List.of(Cart.class.getPackageName());
            exstate = new ExstateSessionRepository(store, packages);
            exstateNoCache = new ExstateSessionRepository(storeNoCache, packages);

            // as Spring Session's RedisHttpSessionConfiguration builds its template (defaults: JDK
            // serialization of values), on a LettuceConnectionFactory as Boot's auto-configuration makes it
            connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", server.port()));
            connectionFactory.afterPropertiesSet();
            connectionFactory.start();
            RedisTemplate<String, Object> template = new RedisTemplate<>();
            template.setKeySerializer(RedisSerializer.string());
            template.setHashKeySerializer(RedisSerializer.string());
            template.setConnectionFactory(connectionFactory);
            template.setBeanClassLoader(SessionRepositoryBenchmarks.class.getClassLoader());
            template.afterPropertiesSet();
            spring = cast(new RedisSessionRepository(template));

            for (int i = 0; i < POOL; i++) {
                exstateReadIds[i] = exstateSession(i);
                exstateCycleIds[i] = exstateSession(i);
                exstateNoCacheCycleIds[i] = exstateSession(i);
                springReadIds[i] = springSession(i);
                springCycleIds[i] = springSession(i);
            }
        }

        private String exstateSession(int i) {
            ExstateHttpSession s = exstate.createSession();
            fill(s, i);
            exstate.save(s);
            return s.getId();
        }

        private String springSession(int i) {
            Session s = spring.createSession();
            fill(s, i);
            spring.save(s);
            return s.getId();
        }

        private static void fill(Session s, int i) {
            s.setAttribute(USER, "user-" + i + "@example.com");
            s.setAttribute(CART, Cart.of(0));
        }

        @SuppressWarnings("unchecked")
        private static SessionRepository<Session> cast(SessionRepository<? extends Session> repository) {
            return (SessionRepository<Session>) repository;
        }

        @TearDown(Level.Trial)
        public void stop() {
            store.nearCacheStats().ifPresent(st -> System.out.println("\n[bench] exstate near cache: " + st));
            // server-side commands and their cost per call (µs): what each repository sends
            try {
                for (String line : String.valueOf(server.call("INFO", "commandstats")).split("\r?\n")) {
                    if (line.startsWith("cmdstat_")) {
                        System.out.println("[bench] " + line.trim());
                    }
                }
            } catch (RuntimeException e) {
                System.out.println("[bench] INFO commandstats failed: " + e);
            }
            closeAll(store, storeNoCache, exstateState, exstateNoCacheState);
            try {
                connectionFactory.destroy();
            } finally {
                server.close();
            }
        }
    }

    /** What one request thread works on: its own sessions on each side. */
    @State(Scope.Thread)
    public static class PerThread {
        Backend backend;
        String exstateReadId;
        String exstateCycleId;
        String exstateNoCacheCycleId;
        String springReadId;
        String springCycleId;
        private int counter;

        @Setup(Level.Trial)
        public void setUp(Backend b) {
            backend = b;
            int i = b.nextThread.getAndIncrement() % POOL;
            exstateReadId = b.exstateReadIds[i];
            exstateCycleId = b.exstateCycleIds[i];
            exstateNoCacheCycleId = b.exstateNoCacheCycleIds[i];
            springReadId = b.springReadIds[i];
            springCycleId = b.springCycleIds[i];
            // fill the near cache: the first find loads and caches, the second must hit
            b.exstate.findById(exstateReadId);
            b.exstate.findById(exstateReadId);
        }

        /** A cart different from the one stored, so that every save has a change to write. */
        Cart nextCart() {
            return Cart.of(++counter);
        }
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
