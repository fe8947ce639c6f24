package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.objectstore.S3Options;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.churn.ChurnReplica;
import dev.exstate.testkit.churn.ChurnReport;
import dev.exstate.testkit.churn.SchedulerChurn;
import dev.exstate.testkit.contract.SessionStoreContract;
import dev.exstate.testkit.fault.FaultProxy;
import dev.exstate.testkit.hidden.HiddenStateRules;
import dev.exstate.testkit.s3.S3ProxyServer;
import dev.exstate.testkit.stateless.JobRun;
import dev.exstate.testkit.stateless.Replica;
import dev.exstate.testkit.stateless.ReplicaFactory;
import dev.exstate.testkit.tls.TestCertificates;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The snippets of {@code state-testkit/README.md}, with the code as printed there. Compiled only:
 * they start real backends and replica processes, which the testkit's and the provider modules'
 * own tests do; the contract subclass is private, so no test engine runs it here. Change a
 * snippet here and in that README together.
 */
@SuppressWarnings("unused")
final class ReadmeSnippetsTestkitTest {
    private ReadmeSnippetsTestkitTest() {
    }

    private static void tlsAclUsersAndRoles(String adminPassword, String replicaPassword, String rootPassword) {
        try (TestCertificates certs = TestCertificates.create();
             RedisServer redis = RedisServer.builder()
                     .tls(certs, true)                                         // TLS only; client certificates required
                     .password(adminPassword)                                  // the default user
                     .aclUser("replica-shop", replicaPassword, "resetkeys", "~exstate:shop:*", "+@read")
                     .start()) {
            RedisOptions options = RedisOptions.standalone(redis.uri())        // rediss://127.0.0.1:<port>
                    .trustCertificates(certs.caCertificate())
                    .clientCertificate(certs.clientCertificate(), certs.clientKey())
                    .credentials("replica-shop", replicaPassword)
                    .appName("shop")
                    .build();
        }

        try (TestCertificates certs = TestCertificates.create();
             EtcdServer etcd = EtcdServer.builder().tls(certs, true).authentication(rootPassword).start()) {
            etcd.auth().addRole("exstate-shop")
                    .grantPrefix("exstate-shop", "/exstate/shop/config/", EtcdServer.Permission.READ)
                    .grantPrefix("exstate-shop", "/exstate/shop/lease/", EtcdServer.Permission.READWRITE)
                    .grantPrefix("exstate-shop", "/exstate/shop/lease-tick/", EtcdServer.Permission.READWRITE)
                    .addUser("replica-shop", replicaPassword)
                    .grantRole("replica-shop", "exstate-shop");
            EtcdOptions options = EtcdOptions.builder(etcd.endpoint())         // https://127.0.0.1:<port>
                    .trustCertificates(certs.caCertificate())
                    .clientCertificate(certs.clientCertificate(), certs.clientKey())
                    .credentials("replica-shop", replicaPassword)
                    .appName("shop")
                    .build();
        }

        try (TestCertificates certs = TestCertificates.create();
             S3ProxyServer s3 = S3ProxyServer.builder().tls(certs).build().start()) {
            s3.createBucket("shop-files");
            S3Options options = S3Options.builder().endpoint(s3.endpoint())    // https://127.0.0.1:<port>
                    .credentials(s3.accessKey(), s3.secretKey())
                    .trustCertificates(certs.caCertificate())
                    .bucket("shop-files")
                    .build();
        }
    }

    private static void faultProxy() {
        try (RedisServer redis = RedisServer.builder().durable().start();
             FaultProxy proxy = FaultProxy.to(redis.host(), redis.port())) {
            RedisState state = RedisState.connect(RedisOptions.standalone(proxy.uri("redis")).build());
            proxy.latency(Duration.ofMillis(200));     // each chunk held back 200 ms, in both directions
            proxy.blackhole(true);                     // connections stay open, bytes are dropped: a hang, not an error
            proxy.resetAll();                          // TCP RST on every open connection
            proxy.refuseNew(true);                     // new connections are reset right after accept
            proxy.heal();                              // all faults off
            redis.pause();                             // the real process: SIGSTOP ...
            redis.resume();                            // ... SIGCONT
            redis.kill();                              // SIGKILL
            redis.restart();                           // same port and data: durable() kept what was acknowledged
            state.close();
        }
    }

    private static class MySessionStoreContractIT extends SessionStoreContract {   // private: never discovered as a test here
        private static RedisServer redis;
        private String app;

        @BeforeAll
        static void startRedis() {
            redis = RedisServer.builder().start();                         // a real redis-server on a free loopback port
        }

        @AfterAll
        static void stopRedis() {
            redis.close();                                                 // killed, its data directory deleted
        }

        @BeforeEach
        void freshNamespace() {
            app = "contract-" + UUID.randomUUID().toString().substring(0, 8);   // a fresh backend, as far as a store can tell
        }

        @Override
        protected SessionStore newStore(SessionOptions options) {           // one more replica per call
            return RedisState.connect(RedisOptions.standalone(redis.uri()).appName(app).build()).sessionStore(options);
        }

        @Override
        protected TimeControl time() {
            return TimeControl.real();                                     // Redis expires by its own clock
        }
    }

    private static ReplicaFactory replicaFactory() {
        ReplicaFactory shop = world -> {
            InMemoryBackend backend = world.shared("backend", InMemoryBackend::create);   // one per world, shared by its replicas
            StateRuntime runtime = StateRuntime.builder("shop").inMemory(backend).build();
            ShopService service = ShopService.start(runtime, Duration.ofMillis(200));       // the service, on a free port
            return Replica.of(service.baseUri(),
                    () -> service.reportTicks().stream().map(tick -> new JobRun("report", tick)).toList(),
                    () -> { service.close(); runtime.close(); });
        };
        return shop;
    }

    public static final class MyChurnReplica {                                    // the main of one replica process
        public static void main(String[] args) throws Exception {
            ChurnReplica.Settings s = ChurnReplica.Settings.parse(args);
            RedisState state = RedisState.connect(RedisOptions.standalone(s.endpoint()).appName(s.app()).build());
            ChurnReplica.run(s, state.leaseProvider(), state);             // schedules the job, blocks until SIGTERM
        }
    }

    private static void churn(RedisServer redis) throws IOException, InterruptedException {
        ChurnReport report = SchedulerChurn.builder(MyChurnReplica.class, redis.uri())
                .period(Duration.ofMillis(100)).leaseTtl(Duration.ofSeconds(1)).targetTicks(1000)
                .build().run();
        assertThat(report.duplicateTicks()).isEmpty();
    }

    private static ReplicaFactory churnReplicaFactory() {
        ReplicaFactory shops = world -> {
            ShopReplica shop = startShop(world);            // the service, its runtime and its backend clients
            return Replica.of(shop.baseUri(), shop::jobRuns,
                    shop::close,                            // graceful: readiness off, leases released, runtime closed
                    shop::kill);                            // abrupt: HTTP and backend connections cut first
        };
        return shops;
    }

    /** What the snippet's {@code startShop} returns: a running service with both ways to stop. */
    private interface ShopReplica {
        java.net.URI baseUri();

        java.util.List<JobRun> jobRuns();

        void close();

        void kill();
    }

    private static ShopReplica startShop(dev.exstate.testkit.stateless.World world) {
        throw new UnsupportedOperationException("compiled only");
    }

    // ---- Hidden-state rules (compiled only: the package is the README's example) ----

    @AnalyzeClasses(packages = "com.acme.shop", importOptions = ImportOption.DoNotIncludeTests.class)
    static final class NoHiddenStateTest {
        static final HiddenStateRules RULES = HiddenStateRules.builder()
                .allow("com.acme.shop.generated.Lookup#TABLE", "generated; filled once, the same on every replica")
                .build();

        @ArchTest
        static final ArchRule noHiddenState = RULES.all();
    }
}
