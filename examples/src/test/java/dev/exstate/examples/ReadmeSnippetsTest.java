package dev.exstate.examples;

import static dev.exstate.runtime.StateRuntime.Capability.LEASES;
import static dev.exstate.runtime.StateRuntime.Capability.SESSIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.cache.NearCache;
import dev.exstate.codec.Codec;
import dev.exstate.config.ConfigBindingException;
import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.guard.Fallback;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardAdvisor;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.InvalidSessionIdException;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionLimitException;
import dev.exstate.session.SessionNotFoundException;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.stateless.ChurnCheck;
import dev.exstate.testkit.hidden.HiddenStateRules;
import dev.exstate.testkit.stateless.Replica;
import dev.exstate.testkit.stateless.ScaleChurnReport;
import dev.exstate.testkit.stateless.StatelessnessCheck;
import dev.exstate.testkit.stateless.StatelessnessReport;
import dev.exstate.testkit.stateless.Step;
import dev.exstate.testkit.stateless.Workload;
import dev.exstate.testkit.stateless.World;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java snippets of the top {@code README.md}, with the code as it is printed there: every one
 * compiles here against the current API, and those that need no real backend run against the
 * in-memory backends and check what the README says they do. Snippets that need Redis, etcd or S3
 * are compiled only (methods never called). Change a snippet here and in the README together.
 */
@DisplayName("README snippets")
class ReadmeSnippetsTest {
    private static final Logger log = LoggerFactory.getLogger(ReadmeSnippetsTest.class);
    private InMemoryBackend memory;
    private final List<StateRuntime> runtimes = new ArrayList<>();

    /** A runtime like the README's {@code state}, on the test's shared in-memory backend. */
    private StateRuntime runtime() {
        StateRuntime r = StateRuntime.builder("shop").inMemory(memory).build();
        runtimes.add(r);
        return r;
    }

    @BeforeEach
    void backend() {
        memory = InMemoryBackend.create();
    }

    @AfterEach
    void close() {
        runtimes.forEach(StateRuntime::close);
    }

    // ---- One owner object ----

    @Test
    @DisplayName("one owner object: the guard policy set for redis is the one its guard gets, and unconfigured capabilities are listed as in memory")
    void oneOwnerObject() {
        StateRuntime state = StateRuntime.builder("shop")      // app name namespaces every key
                .guardPolicy("redis", GuardPolicy.builder().timeout(Duration.ofMillis(200)).build())
                .registerShutdownHook()                          // SIGTERM: drain, stop jobs, release, close
                .build();                                        // capabilities not configured: in memory
        runtimes.add(state);

        assertThat(state.guard("redis").policy().timeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(state.health().readiness().components())
                .contains(BackendHealth.up("sessions", "in memory, not shared between replicas"));
    }

    @Test
    @DisplayName("requireSharedBackends: build() names each required capability that would live in memory")
    void requireSharedBackendsNamesWhatIsMissing() {
        assertThatThrownBy(() -> StateRuntime.builder("shop").requireSharedBackends(SESSIONS, LEASES).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sessions, leases are not configured");
    }

    /** Compiled only: needs Redis. */
    @SuppressWarnings("unused")
    private static StateRuntime requireSharedBackends(RedisState redis) {
        StateRuntime state = StateRuntime.builder("shop")
                .requireSharedBackends(SESSIONS, LEASES)       // or requireSharedBackends(): all four
                .sessions(redis.sessions(SessionOptions.defaults()))
                .leases(redis.leases())
                .build();                                      // IllegalStateException if one is not configured
        return state;
    }

    // ---- Real backends (compiled only) ----

    @SuppressWarnings("unused")
    private static void realBackends(String secret, String accessKey, String secretKey) {
        RedisState redis = RedisState.connect(RedisOptions.standalone("redis://redis:6379")
                .credentials("app", secret)                    // never in toString, logs or errors
                .build());                                     // also RedisOptions.sentinel(...), .cluster(List.of(...)), .tls(true)
        EtcdState etcd = EtcdState.connect(EtcdOptions.builder("http://etcd-0:2379", "http://etcd-1:2379").build());
        S3Options s3 = S3Options.builder().endpoint("https://minio:9000").credentials(accessKey, secretKey)
                .bucket("shop-files").build();

        StateRuntime state = StateRuntime.builder("shop")
                .sessions(redis.sessions(SessionOptions.defaults()))   // one multiplexed connection per replica
                .leases(redis.leases())                                 // or etcd.leases()
                .config(etcd.config(ConfigValidator.acceptAll()))
                .blobs(S3BlobStore.blobs(s3))
                .registerShutdownHook()
                .build();

        // at shutdown (registerShutdownHook does the first line on SIGTERM):
        state.close();   // closes every provider; Redis's connection closes with its last provider
        etcd.close();    // the etcd client is shared and closes once this and its providers are closed
    }

    // ---- Sessions ----

    private SessionStore sessions;

    // a request handler; sessions = state.sessions()
    int showPage(String cookieValue, String path) {
        try {
            Optional<String> user = SessionId.tryParse(cookieValue)   // missing, malformed or tampered cookie: empty
                    .flatMap(id -> sessions.update(id, s -> {        // expired or unknown session: empty
                        s.putString("lastPage", path);               // saved when the work returns
                        return s.getString("user").orElse("guest");
                    }));
            return user.isPresent() ? 200 : 401;                     // empty: send to login
        } catch (SessionLimitException e) {                          // too many or too large attributes: nothing written
            return 413;                                              // a client error, not an outage
        } catch (SessionNotFoundException e) {                       // expired or invalidated between the read and the save
            return 401;
        } catch (StateUnavailableException e) {                      // backend down or slower than its deadline
            return 503;
        }
    }

    @Test
    @DisplayName("sessions: a request's change is saved by update; tampered or missing cookies and oversized changes are answered, not thrown")
    void sessionUnitOfWork() {
        StateRuntime state = runtime();
        sessions = state.sessions();

        // login: a new session stored with its first attributes; 256-bit SecureRandom id, URL-safe
        Session s = sessions.create(init -> init.putString("user", "ada"));
        String cookieValue = s.id().value();                             // send it as the session cookie

        assertThat(showPage(cookieValue, "/cart")).isEqualTo(200);
        // another replica over the same backend sees what the request saved
        SessionStore otherReplica = memory.sessionStore(SessionOptions.defaults());
        assertThat(otherReplica.find(s.id()).flatMap(found -> found.getString("lastPage"))).contains("/cart");

        assertThat(showPage(null, "/cart")).isEqualTo(401);
        assertThat(showPage("forged" + cookieValue, "/cart")).isEqualTo(401);
        assertThat(showPage(SessionId.generate().value(), "/cart")).isEqualTo(401);
        assertThat(showPage(cookieValue, "/" + "x".repeat(70_000))).isEqualTo(413);
        assertThat(otherReplica.find(s.id()).flatMap(found -> found.getString("lastPage"))).contains("/cart");
    }

    @Test
    @DisplayName("sessions, the parts: tryParse/find/save, an atomic compute, and rotateId retiring the old id")
    void sessionParts() {
        StateRuntime state = runtime();
        SessionStore sessions = state.sessions();
        Session s = sessions.create(init -> init.putString("user", "ada"));
        String cookieValue = s.id().value();

        Optional<Session> found = SessionId.tryParse(cookieValue).flatMap(sessions::find);
        found.ifPresent(f -> sessions.save(f.putString("k", "v")));          // writes only the changed attributes
        SessionId id = s.id();
        long visits = sessions.compute(id, "visits", Codec.longs(), n -> n == null ? 1 : n + 1);  // atomic across replicas
        SessionId fresh = sessions.rotateId(id);               // on login: the old id stops working

        assertThat(visits).isEqualTo(1);
        assertThat(sessions.find(id)).isEmpty();
        Session moved = sessions.find(fresh).orElseThrow();
        assertThat(moved.getString("k")).contains("v");
        assertThat(moved.get("visits", Codec.longs())).contains(1L);
        assertThatThrownBy(() -> SessionId.of("tampered" + cookieValue)).isInstanceOf(InvalidSessionIdException.class);
    }

    // ---- Config ----

    record Shop(boolean discount, Optional<Integer> discountPercent, Optional<Duration> cacheFor) {
        int percent() {
            return discountPercent.orElse(10);                       // the default when the key is missing
        }
    }

    @Test
    @DisplayName("config: bind fills a record, Optional components take defaults, a missing required key names itself")
    void configBinding() throws Exception {
        memory.putConfig(Map.of("shop.discount", "true", "shop.cache-for", "5m"));
        StateRuntime state = runtime();
        List<String> seen = new CopyOnWriteArrayList<>();

        ConfigSource config = state.config();
        int percent = -1;
        try {
            Shop shop = config.current().bind("shop.", Shop.class);  // keys shop.discount, shop.discount-percent, shop.cache-for
            percent = shop.percent();
        } catch (ConfigBindingException e) {
            // shop.discount is missing, or a value does not parse: the message names the key
        }
        int timeoutMs = config.current().getInt("shop.timeout-ms", 500);  // one key, with its default
        AutoCloseable subscription = config.subscribe(change ->
                log.info("config {} changed {}", change.current().revision(), change.changedKeys()));
        AutoCloseable recorder = config.subscribe(change -> seen.add("changed " + change.changedKeys()));

        assertThat(percent).isEqualTo(10);
        assertThat(timeoutMs).isEqualTo(500);
        assertThat(config.current().bind("shop.", Shop.class).cacheFor()).contains(Duration.ofMinutes(5));
        memory.putConfig("shop.discount-percent", "15");
        assertThat(config.current().bind("shop.", Shop.class).percent()).isEqualTo(15);
        memory.deleteConfig("shop.discount");
        assertThatThrownBy(() -> config.current().bind("shop.", Shop.class))
                .isInstanceOf(ConfigBindingException.class)
                .hasMessageContaining("'shop.discount'");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("changed [shop.discount-percent]", "changed [shop.discount]");
        subscription.close();
        recorder.close();
    }

    /** Compiled only: needs etcd. */
    @SuppressWarnings("unused")
    private static StateRuntime configValidator(EtcdState etcd) {
        StateRuntime state = StateRuntime.builder("shop")
                .config(etcd.config(snapshot -> snapshot.bind("shop.", Shop.class)))   // a snapshot that does not bind is rejected
                .build();
        return state;
    }

    @Test
    @DisplayName("config: a validator that binds keeps a snapshot missing a required key out; current() says nothing is loaded yet")
    void configValidatorRejectsUnboundSnapshot() {
        ConfigValidator validator = snapshot -> snapshot.bind("shop.", Shop.class);   // as in etcd.config(...)
        StateRuntime state = StateRuntime.builder("shop").inMemory(memory)
                .config(ctx -> memory.configSource(validator)).build();
        runtimes.add(state);

        assertThat(state.config().isLoaded()).isFalse();
        assertThatThrownBy(() -> state.config().current()).isInstanceOf(ConfigNotLoadedException.class);
        assertThat(state.health().readiness().up()).isFalse();
        memory.putConfig("shop.discount", "false");
        assertThat(state.config().current().bind("shop.", Shop.class).discount()).isFalse();
        assertThat(state.health().readiness().up()).isTrue();
    }

    // ---- Leases and the leased scheduler ----

    interface Index {
        void rebuild(long fencingToken);
    }

    interface Reports {
        void send(Instant fireTime, long fencingToken);
    }

    interface Carts {
        void expire(long fencingToken);
    }

    @Test
    @DisplayName("leases: one replica holds a name at a time; cron and fixed-rate jobs are scheduled on the runtime's scheduler")
    void leasesAndScheduler() {
        StateRuntime state = runtime();
        StateRuntime otherReplica = runtime();
        List<Long> tokens = new ArrayList<>();
        Index index = token -> {
            tokens.add(token);
            assertThat(otherReplica.leases().tryAcquire("reindex", Duration.ofSeconds(30))).isEmpty();
        };
        Reports reports = (fireTime, token) -> { };
        Carts carts = token -> { };

        Optional<Lease> held = state.leases().tryAcquire("reindex", Duration.ofSeconds(30));
        if (held.isPresent()) {                                // empty: another replica holds it
            try (Lease lease = held.get()) {                   // released on close
                index.rebuild(lease.fencingToken());           // the store refuses older tokens
            }
        }

        state.scheduler().scheduleCron("daily-report", "0 6 * * *", ZoneId.of("Europe/Berlin"), ctx -> {
            reports.send(Instant.ofEpochMilli(ctx.tick()), ctx.fencingToken());  // 06:00 Berlin time, one replica per day
        });
        state.scheduler().scheduleAtFixedRate("expire-carts", Duration.ofMinutes(5), ctx -> carts.expire(ctx.fencingToken()));

        assertThat(tokens).hasSize(1);
        assertThat(otherReplica.leases().tryAcquire("reindex", Duration.ofSeconds(30))).isPresent();
        assertThatThrownBy(() -> state.scheduler().scheduleCron("bad", "0 6 * *", ZoneId.of("UTC"), ctx -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 6 * *");
    }

    @Test
    @DisplayName("leases: the runtime's scheduler takes its settings from the builder, checked when it is first used")
    void schedulerSettings() {
        StateRuntime state = StateRuntime.builder("shop").inMemory(memory)
                .scheduler(b -> b.leaseTtl(Duration.ofSeconds(10)))   // the default; renewed every ttl/3 (leaseRenewEvery)
                .build();
        runtimes.add(state);
        assertThat(state.scheduler()).isNotNull();

        StateRuntime bad = StateRuntime.builder("shop").inMemory(memory)
                .scheduler(b -> b.leaseTtl(Duration.ofMillis(10))).build();
        runtimes.add(bad);
        assertThatThrownBy(bad::scheduler).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaseTtl");
    }

    // ---- Blobs ----

    @Test
    @DisplayName("blobs: a create-only put refuses to overwrite, reads stream, listings page")
    void blobs() throws IOException {
        StateRuntime state = runtime();
        byte[] bytes = "id,total\n1,20\n".getBytes(StandardCharsets.UTF_8);
        long length = bytes.length;
        OutputStream out = new ByteArrayOutputStream();
        List<String> keys = new ArrayList<>();
        int conflicts = 0;

        BlobStore blobs = state.blobs();
        for (int replica = 0; replica < 2; replica++) {    // the second put finds the key taken
            InputStream content = new ByteArrayInputStream(bytes);
            try {
                blobs.put("exports/2026-11.csv", content, length, PutOptions.ifAbsent().withContentType("text/csv"));
            } catch (BlobPreconditionFailedException e) {
                conflicts++;                                   // the key exists (another replica was first): nothing written
            }
        }
        Optional<Blob> export = blobs.get("exports/2026-11.csv");
        if (export.isPresent()) {
            try (Blob b = export.get()) {                      // close releases the connection
                b.content().transferTo(out);                   // streamed, never buffered whole
            }
        }
        String token = null;
        do {
            BlobPage page = blobs.list("exports/", token, 100);   // up to 100 keys, in key order
            page.items().forEach(info -> keys.add(info.key()));
            token = page.continuationToken();                     // null on the last page
        } while (token != null);

        assertThat(conflicts).isEqualTo(1);
        assertThat(out.toString()).isEqualTo("id,total\n1,20\n");
        assertThat(keys).containsExactly("exports/2026-11.csv");
        assertThat(blobs.stat("exports/2026-11.csv").orElseThrow().contentType()).isEqualTo("text/csv");
    }

    // ---- Guard and near cache (compiled only: plain Lettuce against a Redis) ----

    @SuppressWarnings("unused")
    private static void guardAndNearCache(RedisCommands<String, String> sync, RedisAsyncCommands<String, String> async,
                                          String key, String nameKey, String visitsKey) {
        Guard redis = Guard.builder("redis").policy(GuardPolicy.defaults()).build();
        NearCache<String, String> profiles = NearCache.<String, String>builder("profiles").build();
        String v = redis.call(Operation.idempotent("profile.get"), () -> profiles.get(key, sync::get),
                Fallback.staleFrom(profiles, key));          // Redis failing: the cached value if <= 30 s stale

        // several calls, one total timeout: a later step gets only the time the earlier ones left
        Guard.Deadline deadline = redis.deadline();
        String name = redis.await(Operation.idempotent("profile.name"), deadline, () -> async.get(nameKey));
        Long visits = redis.await(Operation.nonIdempotent("profile.visits"), deadline, () -> async.incr(visitsKey));
    }

    // ---- What timeout should Redis have? (compiled only: needs Redis) ----

    @SuppressWarnings("unused")
    private static void whatTimeout(RedisState redis) {
        GuardAdvisor advisor = GuardAdvisor.watch(redis.guard());   // from now on, every call is measured
        // ... normal traffic for a while ...
        GuardAdvisor.Advice advice = advisor.advise();
        log.info("{}", advice);                                     // the report below
        RedisState tuned = RedisState.connect(RedisOptions.standalone("redis://redis:6379")
                .guardPolicy(advice.policy())                        // or paste the printed policy
                .build());

        GuardPolicy policy = GuardPolicy.builder()
                .adaptiveTimeout(Duration.ofMillis(50), Duration.ofMillis(500)) // p99.9 × 2 of each operation, never outside [50, 500] ms
                .hedgeAfterPercentile(95)                                     // a read not answered by its p95 is sent again
                .build();
    }

    // ---- Proving a service is stateless (compiled only: needs a service to start) ----

    @SuppressWarnings("unused")
    private static void statelessness() {
        Workload workload = Workload.builder()
                .client("alice", Step.get("/cart"), Step.post("/cart/items", "apple"), Step.get("/cart"))
                .client("bob", Step.post("/files", "invoice").capture("fileId", "^([0-9a-f]{64})$"),
                               Step.get("/files/{{fileId}}"))        // served by the other replica
                .build();
        StatelessnessReport report = StatelessnessCheck.builder(world -> startMyService(world))   // returns a Replica
                .replicas(2)                                    // the replicas share one world (backends)
                .workload(workload)                             // step i of a client goes to replica i % 2
                .jobWindow(Duration.ofSeconds(2))               // then: did any job tick run twice?
                .build()
                .run();
        System.out.println(report.render());
        if (!report.passed()) {
            throw new AssertionError(report.render());
        }
    }

    // ---- ...while replicas come and go (compiled only: needs a service to start) ----

    @SuppressWarnings("unused")
    private static void churn() {
        ScaleChurnReport churn = ChurnCheck.builder(world -> startMyService(world))
                .replicas(2, 4)                                 // the autoscaler keeps 2 to 4 replicas
                .users(4)                                       // concurrent users, each with its own cookies
                .duration(Duration.ofSeconds(15)).events(6)     // 6 scale events: out, in (graceful), killed
                .seed(42)                                       // same seed, same events, victims and requests
                .sessionWrite(item -> Step.post("/cart/items", item), Step.get("/cart"))
                .upload(bytes -> Step.post("/files", bytes).capture("fileId", "^([0-9a-f]{64})$"),
                        Step.get("/files/{{fileId}}"))
                .read(Step.get("/flags"))
                .readinessPath("/health/ready")                 // a replica in rotation must not flap
                .build()
                .run();
        System.out.println(churn.render());
    }

    private static Replica startMyService(World world) {
        throw new UnsupportedOperationException("compiled only");
    }

    // ---- ...and finding where it is not (compiled only: the package is the README's example) ----

    @AnalyzeClasses(packages = "com.acme.shop", importOptions = ImportOption.DoNotIncludeTests.class)
    static final class NoHiddenStateTest {
        @ArchTest
        static final ArchRule noHiddenState = HiddenStateRules.standard().all();   // or one rule, e.g. .localFiles()
    }
}
