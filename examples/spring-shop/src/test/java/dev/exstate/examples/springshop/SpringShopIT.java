package dev.exstate.examples.springshop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.s3.S3ProxyServer;
import dev.exstate.testkit.stateless.JobRun;
import dev.exstate.testkit.stateless.Replica;
import dev.exstate.testkit.stateless.StatelessnessCheck;
import dev.exstate.testkit.stateless.StatelessnessReport;
import dev.exstate.testkit.stateless.Step;
import dev.exstate.testkit.stateless.Workload;
import dev.exstate.testkit.stateless.World;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spring Boot shop, configured by properties only, run as separate JVMs on real
 * redis-server, etcd and s3proxy: two instances behind a round-robin balancer answer exactly as
 * one instance alone.
 */
@DisplayName("spring-shop: a Boot app with the starter and properties only")
class SpringShopIT {
    private static final Logger LOG = LoggerFactory.getLogger(SpringShopIT.class);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static RedisServer redis;
    private static EtcdServer etcd;
    private static S3ProxyServer s3;
    private static EtcdState etcdAdmin;

    @BeforeAll
    static void startBackends() {
        redis = RedisServer.builder().start();
        etcd = EtcdServer.builder().start();
        s3 = S3ProxyServer.startTransient();
        etcdAdmin = EtcdState.connect(EtcdOptions.builder(etcd.endpoint()).build());
    }

    @AfterAll
    static void stopBackends() {
        for (AutoCloseable c : new AutoCloseable[] {etcdAdmin, s3, etcd, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                LOG.warn("closing {}: {}", c, e.toString());
            }
        }
    }

    @Test
    @DisplayName("two instances answer every request as one instance alone, and the report runs once per tick")
    void twoInstancesAreStateless() {
        StatelessnessReport report = StatelessnessCheck.builder(SpringShopIT::startReplica)
                .name("spring-shop")
                .replicas(2)
                .workload(workload())
                .jobWindow(Duration.ofSeconds(6))
                .requestTimeout(Duration.ofSeconds(30))
                .startTimeout(Duration.ofSeconds(150))
                .build()
                .run();
        LOG.info("{}", report.render());
        assertThat(report.passed()).as(report.render()).isTrue();
        assertThat(report.requestCount()).isEqualTo(workload().requestCount());
        assertThat(report.jobRunCount()).as("report runs in the job window").isPositive();
    }

    @Test
    @DisplayName("a flag changed in etcd is rebound on both running instances, no restart")
    void flagChangeReachesBothInstances() throws Exception {
        String app = "spring-shop-flags";
        s3.createBucket(app);
        etcdAdmin.admin(app).putAll(Map.of("shop.discount", "false", "shop.discount-percent", "0"));
        try (ShopInstance a = ShopInstance.start("flags-a", properties(app));
             ShopInstance b = ShopInstance.start("flags-b", properties(app))) {
            assertThat(a.get("/flags")).isEqualTo("discount=false percent=0");
            assertThat(b.get("/flags")).isEqualTo("discount=false percent=0");

            long changed = System.nanoTime();
            etcdAdmin.admin(app).putAll(Map.of("shop.discount", "true", "shop.discount-percent", "15"));
            for (ShopInstance shop : List.of(a, b)) {
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                        .until(() -> shop.get("/flags").equals("discount=true percent=15"));
            }
            LOG.info("both instances answered the new flags {} ms after the etcd write",
                    Duration.ofNanos(System.nanoTime() - changed).toMillis());
        }
    }

    @Test
    @DisplayName("SIGTERM to the instance running the report: it stops cleanly, the other one runs the next ticks, no tick runs twice")
    void sigtermDuringTheReport() throws Exception {
        String app = "spring-shop-sigterm";
        s3.createBucket(app);
        Map<String, String> props = properties(app);
        props.put("shop.report.work", "PT3S");
        props.put("exstate.scheduler.shutdown-grace", "PT1S");
        try (ShopInstance a = ShopInstance.start("sigterm-a", props);
             ShopInstance b = ShopInstance.start("sigterm-b", props)) {
            // wait until one of them is inside a run, and stop that one
            AtomicReference<ShopInstance> running = new AtomicReference<>();
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
                for (ShopInstance shop : List.of(a, b)) {
                    List<ShopInstance.Run> runs = shop.runs();
                    if (!runs.isEmpty() && !runs.get(runs.size() - 1).finished()) {
                        running.set(shop);
                        return true;
                    }
                }
                return false;
            });
            ShopInstance stopped = running.get();
            ShopInstance survivor = stopped == a ? b : a;
            List<ShopInstance.Run> stoppedRuns = stopped.runs();
            long stoppedLastTick = stoppedRuns.get(stoppedRuns.size() - 1).tick();

            assertThat(stopped.terminate(PATIENCE)).as("%s exits after SIGTERM; log:%n%s", stopped, stopped.log()).isTrue();
            assertThat(stopped.exitCode()).as("exit code after SIGTERM; log:%n%s", stopped.log()).isIn(0, 143);

            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> survivor.runs().stream().anyMatch(r -> r.tick() > stoppedLastTick));
            List<ShopInstance.Run> survivorRuns = survivor.runs();
            Set<Long> stoppedTicks = stoppedRuns.stream().map(ShopInstance.Run::tick).collect(Collectors.toSet());
            assertThat(survivorRuns).as("no tick of the stopped instance ran again on the survivor")
                    .noneMatch(r -> stoppedTicks.contains(r.tick()));
            assertThat(stopped.log()).as("graceful shutdown log")
                    .doesNotContain("Exception in thread").doesNotContain(s3.secretKey());
            LOG.info("stopped {} during tick {}; survivor ran ticks {}", stopped, stoppedLastTick,
                    survivorRuns.stream().map(ShopInstance.Run::tick).toList());
        }
    }

    /** An instance in {@code world}: the replicas share an app name (key space, bucket, config); the baseline has its own. */
    private static Replica startReplica(World world) throws Exception {
        String app = world.shared("app", () -> {
            String name = "spring-shop-" + world.name();
            s3.createBucket(name);
            etcdAdmin.admin(name).putAll(Map.of("shop.discount", "true", "shop.discount-percent", "10"));
            return name;
        });
        ShopInstance shop = ShopInstance.start(world.name(), properties(app));
        return Replica.of(shop.baseUri(), () -> {
            try {
                return shop.runs().stream().map(r -> new JobRun("report", r.tick())).toList();
            } catch (Exception e) {
                throw new IllegalStateException(shop + ": cannot read its report runs", e);
            }
        }, shop);
    }

    static Map<String, String> properties(String app) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spring.application.name", app);
        p.put("exstate.redis.uri", redis.uri().toString());
        p.put("exstate.etcd.endpoints", etcd.endpoint());
        p.put("exstate.s3.endpoint", s3.endpoint().toString());
        p.put("exstate.s3.access-key", s3.accessKey());
        p.put("exstate.s3.secret-key", s3.secretKey());
        p.put("exstate.s3.bucket", app);
        p.put("shop.report.rate", "PT1S");
        return p;
    }

    static Workload workload() {
        return Workload.builder()
                .client("alice",
                        Step.get("/cart"),
                        Step.post("/cart/items", "apple"),
                        Step.get("/cart"),
                        Step.post("/cart/items", "pear"),
                        Step.get("/cart"),
                        Step.get("/flags"),
                        Step.get("/cart"))
                .client("bob",
                        Step.post("/files", "bob's invoice #42").capture("fileId", "^([0-9a-f]{64})$"),
                        Step.get("/files/{{fileId}}"),
                        Step.post("/cart/items", "milk"),
                        Step.get("/cart"),
                        Step.get("/flags"),
                        Step.post("/files", "bob's invoice #42"),
                        Step.get("/files/{{fileId}}"))
                .client("carol",
                        Step.get("/flags"),
                        Step.post("/cart/items", "bread"),
                        Step.post("/cart/items", "butter"),
                        Step.get("/cart"),
                        Step.post("/files", "carol's photo \u00e9\u00e8".getBytes(StandardCharsets.UTF_8))
                                .capture("fileId", "^([0-9a-f]{64})$"),
                        Step.get("/files/{{fileId}}"),
                        Step.get("/actuator/health/liveness"))
                .build();
    }

}
