package dev.exstate.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.budget.BudgetOptions;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.objectstore.S3Options;
import dev.exstate.redis.RedisOptions;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionOptions;
import dev.exstate.spring.boot.internal.DataSourceBudgetSupport;
import dev.exstate.spring.boot.internal.EtcdSupport;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.RuntimeFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Every {@code exstate.*} property reaches the option it stands for: the options the starter
 * builds equal, field by field, those built by hand through the same builders. The backends'
 * options are checked as beans; the runtime is a user bean here, so nothing connects.
 */
@DisplayName("exstate.* properties reach the Java options")
class ExstatePropertiesBindingTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ExstateRedisAutoConfiguration.class, ExstateEtcdAutoConfiguration.class,
                    ExstateS3AutoConfiguration.class, ExstateAutoConfiguration.class))
            .withBean(StateRuntime.class, () -> StateRuntime.builder("binding").build());

    @Test
    @DisplayName("exstate.redis.* sets every RedisOptions setting; the password is not shown")
    void redisPropertiesReachRedisOptions() {
        runner.withPropertyValues(
                "exstate.redis.mode=cluster",
                "exstate.redis.uris=redis://10.0.0.1:7000,redis://10.0.0.2:7000",
                "exstate.redis.tls=true",
                "exstate.redis.verify-peer=false",
                "exstate.redis.trust-certificates=/etc/exstate/ca.pem",
                "exstate.redis.client-certificate=/etc/exstate/client.pem",
                "exstate.redis.client-key=/etc/exstate/client-key.pem",
                "exstate.redis.username=replica",
                "exstate.redis.password=redis-Secret-1",
                "exstate.redis.command-timeout=3s",
                "exstate.redis.startup-timeout=5s",
                "exstate.redis.connections=4",
                "exstate.redis.key-prefix=svc",
                "exstate.redis.app-name=other-app",
                "exstate.redis.near-cache-size=500",
                "exstate.redis.invalidation=pubsub",
                "exstate.redis.heartbeat-interval=100ms",
                "exstate.redis.freshness-window=2s").run(ctx -> {
            RedisOptions expected = RedisOptions.cluster(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000"))
                    .tls(true).verifyPeer(false)
                    .trustCertificates(Path.of("/etc/exstate/ca.pem"))
                    .clientCertificate(Path.of("/etc/exstate/client.pem"), Path.of("/etc/exstate/client-key.pem"))
                    .credentials("replica", "redis-Secret-1")
                    .commandTimeout(Duration.ofSeconds(3)).startupTimeout(Duration.ofSeconds(5)).connections(4)
                    .keyPrefix("svc").appName("other-app").nearCacheSize(500)
                    .invalidation(RedisOptions.InvalidationMode.PUBSUB)
                    .heartbeatInterval(Duration.ofMillis(100)).freshnessWindow(Duration.ofSeconds(2))
                    .build();
            RedisOptions actual = ctx.getBean(RedisOptions.class);
            assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
            assertThat(actual.toString()).doesNotContain("redis-Secret-1");
            assertThat(ctx.getBean(ExstateProperties.class).toString()).doesNotContain("redis-Secret-1");
        });
    }

    @Test
    @DisplayName("with only a URI, the Redis options are the builder's defaults; a password alone is the default user's")
    void redisDefaultsAreTheBuildersDefaults() {
        runner.withPropertyValues("exstate.redis.uri=redis://127.0.0.1:6379", "exstate.redis.password=pw-Only-9")
                .run(ctx -> assertThat(ctx.getBean(RedisOptions.class)).usingRecursiveComparison()
                        .isEqualTo(RedisOptions.standalone("redis://127.0.0.1:6379").password("pw-Only-9").build()));
        runner.withPropertyValues("exstate.redis.mode=sentinel", "exstate.redis.uri=redis-sentinel://h1:26379,h2:26379#main")
                .run(ctx -> assertThat(ctx.getBean(RedisOptions.class)).usingRecursiveComparison()
                        .isEqualTo(RedisOptions.sentinel("redis-sentinel://h1:26379,h2:26379#main").build()));
    }

    @Test
    @DisplayName("exstate.etcd.* sets every EtcdOptions setting, config defaults with dotted keys included")
    void etcdPropertiesReachEtcdOptions() {
        // bound and mapped as the auto-configuration does; not in a context, whose EtcdState would
        // read the (made-up) certificate files
        ExstateProperties.Etcd p = bind("exstate.etcd", ExstateProperties.Etcd.class, Map.ofEntries(
                Map.entry("exstate.etcd.endpoints[0]", "https://etcd-0:2379"),
                Map.entry("exstate.etcd.endpoints[1]", "https://etcd-1:2379"),
                Map.entry("exstate.etcd.user", "replica"),
                Map.entry("exstate.etcd.password", "etcd-Secret-2"),
                Map.entry("exstate.etcd.trust-certificates", "/etc/exstate/etcd-ca.pem"),
                Map.entry("exstate.etcd.client-certificate", "/etc/exstate/etcd-client.pem"),
                Map.entry("exstate.etcd.client-key", "/etc/exstate/etcd-client-key.pem"),
                Map.entry("exstate.etcd.authority", "etcd.internal"),
                Map.entry("exstate.etcd.key-prefix", "/svc/"),
                Map.entry("exstate.etcd.app-name", "other-app"),
                Map.entry("exstate.etcd.connect-timeout", "1s"),
                Map.entry("exstate.etcd.keep-alive-time", "20s"),
                Map.entry("exstate.etcd.keep-alive-timeout", "7s"),
                Map.entry("exstate.etcd.startup-timeout", "4s"),
                Map.entry("exstate.etcd.defaults.shop.discount", "true"),
                Map.entry("exstate.etcd.defaults.shop.discount-percent", "10"),
                Map.entry("exstate.etcd.watch-progress-interval", "3s"),
                Map.entry("exstate.etcd.watch-verify-interval", "0s"),
                Map.entry("exstate.etcd.max-retry-backoff", "5s"),
                Map.entry("exstate.etcd.max-inbound-message-size", "2MB")));
        EtcdOptions expected = EtcdOptions.builder("https://etcd-0:2379", "https://etcd-1:2379")
                .credentials("replica", "etcd-Secret-2")
                .trustCertificates(Path.of("/etc/exstate/etcd-ca.pem"))
                .clientCertificate(Path.of("/etc/exstate/etcd-client.pem"), Path.of("/etc/exstate/etcd-client-key.pem"))
                .authority("etcd.internal").keyPrefix("/svc/").appName("other-app")
                .connectTimeout(Duration.ofSeconds(1)).keepAliveTime(Duration.ofSeconds(20))
                .keepAliveTimeout(Duration.ofSeconds(7)).startupTimeout(Duration.ofSeconds(4))
                .defaults(Map.of("shop.discount", "true", "shop.discount-percent", "10"))
                .watchProgressInterval(Duration.ofSeconds(3)).watchVerifyInterval(Duration.ZERO)
                .maxRetryBackoff(Duration.ofSeconds(5)).maxInboundMessageSize(2 * 1024 * 1024)
                .build();
        EtcdOptions actual = EtcdSupport.options(p);
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
        assertThat(actual.toString()).doesNotContain("etcd-Secret-2");
        assertThat(p.toString()).doesNotContain("etcd-Secret-2");
    }

    @Test
    @DisplayName("exstate.datasource-budget.* sets every BudgetOptions setting; unset, the resource is <app>-db and the rest the builder's defaults")
    void budgetPropertiesReachBudgetOptions() {
        ExstateProperties.DataSourceBudget p = bind("exstate.datasource-budget", ExstateProperties.DataSourceBudget.class, Map.of(
                "exstate.datasource-budget.resource", "orders-db",
                "exstate.datasource-budget.connections", "120",
                "exstate.datasource-budget.permit-ttl", "10s",
                "exstate.datasource-budget.poll-interval", "500ms",
                "exstate.datasource-budget.max-replicas", "64"));
        BudgetOptions expected = BudgetOptions.builder("orders-db", 120).permitTtl(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(500)).maxReplicas(64).build();
        assertThat(DataSourceBudgetSupport.options(p, "shop")).usingRecursiveComparison().isEqualTo(expected);

        ExstateProperties.DataSourceBudget only = bind("exstate.datasource-budget", ExstateProperties.DataSourceBudget.class,
                Map.of("exstate.datasource-budget.connections", "8"));
        assertThat(DataSourceBudgetSupport.options(only, "shop")).usingRecursiveComparison()
                .isEqualTo(BudgetOptions.builder("shop-db", 8).build());
    }

    @Test
    @DisplayName("with only endpoints, the etcd options bean holds the builder's defaults")
    void etcdDefaultsAreTheBuildersDefaults() {
        runner.withPropertyValues("exstate.etcd.endpoints=http://127.0.0.1:2379")
                .run(ctx -> assertThat(ctx.getBean(EtcdOptions.class)).usingRecursiveComparison()
                        .isEqualTo(EtcdOptions.builder("http://127.0.0.1:2379").build()));
    }

    @Test
    @DisplayName("exstate.s3.* sets every S3Options setting; the secret key is not shown")
    void s3PropertiesReachS3Options() {
        runner.withPropertyValues(
                "exstate.s3.endpoint=https://s3.example.internal:9000",
                "exstate.s3.region=eu-west-1",
                "exstate.s3.access-key=AKIDEXAMPLE",
                "exstate.s3.secret-key=s3-Secret-3",
                "exstate.s3.bucket=shop-files",
                "exstate.s3.auto-create-bucket=true",
                "exstate.s3.part-size=16MB",
                "exstate.s3.parts-in-flight=4",
                "exstate.s3.guard-name=blobs",
                "exstate.s3.connect-timeout=1s",
                "exstate.s3.read-timeout=10s",
                "exstate.s3.max-connections=8",
                "exstate.s3.startup-timeout=0s",
                "exstate.s3.trust-certificates=/etc/exstate/s3-ca.pem").run(ctx -> {
            S3Options expected = S3Options.builder().endpoint("https://s3.example.internal:9000").region("eu-west-1")
                    .credentials("AKIDEXAMPLE", "s3-Secret-3").bucket("shop-files").autoCreateBucket(true)
                    .partSize(16 * 1024 * 1024).partsInFlight(4).guardName("blobs")
                    .connectTimeout(Duration.ofSeconds(1)).readTimeout(Duration.ofSeconds(10)).maxConnections(8)
                    .startupTimeout(Duration.ZERO).trustCertificates(Path.of("/etc/exstate/s3-ca.pem"))
                    .build();
            S3Options actual = ctx.getBean(S3Options.class);
            assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
            assertThat(actual.toString()).doesNotContain("s3-Secret-3");
            assertThat(ctx.getBean(ExstateProperties.class).toString()).doesNotContain("s3-Secret-3");
        });
        runner.withPropertyValues("exstate.s3.endpoint=http://127.0.0.1:9000", "exstate.s3.bucket=files")
                .run(ctx -> assertThat(ctx.getBean(S3Options.class)).usingRecursiveComparison()
                        .isEqualTo(S3Options.builder().endpoint("http://127.0.0.1:9000").bucket("files").build()));
    }

    @Test
    @DisplayName("exstate.session.* reaches the session store the runtime builds; unset values are the builder's defaults")
    void sessionPropertiesReachTheSessionStore() {
        FakeBackend redis = FakeBackend.redis();
        ApplicationContextRunner withRedis = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class))
                .withBean("fakeRedis", ExstateBackend.class, () -> redis)
                .withPropertyValues("exstate.app-name=shop");
        withRedis.withPropertyValues(
                "exstate.session.max-inactive-interval=2h",
                "exstate.session.touch-interval=5m",
                "exstate.session.max-attributes=20",
                "exstate.session.max-session-bytes=1MB",
                "exstate.session.max-attribute-name-length=64").run(ctx -> {
            SessionOptions expected = SessionOptions.builder().maxInactiveInterval(Duration.ofHours(2))
                    .touchInterval(Duration.ofMinutes(5)).maxAttributes(20).maxSessionBytes(1024 * 1024)
                    .maxAttributeNameLength(64).build();
            assertThat(ctx.getBean(StateRuntime.class).sessions().options()).isEqualTo(expected);
            assertThat(redis.sessionOptions).isEqualTo(expected);
        });
        withRedis.withPropertyValues("exstate.session.max-inactive-interval=5m").run(ctx ->
                assertThat(ctx.getBean(StateRuntime.class).sessions().options())
                        .isEqualTo(SessionOptions.builder().maxInactiveInterval(Duration.ofMinutes(5)).build()));
    }

    @Test
    @DisplayName("exstate.guard.<backend>.* sets every GuardPolicy field of that backend's guard, over the backend's default")
    void guardPropertiesReachTheBackendsGuard() {
        GuardPolicy s3Default = GuardPolicy.defaults().toBuilder().timeout(Duration.ofSeconds(10))
                .totalTimeout(Duration.ofSeconds(30)).build();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ExstateAutoConfiguration.class))
                .withBean("fakeS3", ExstateBackend.class, () -> FakeBackend.s3("blobs", s3Default))
                .withPropertyValues("exstate.app-name=shop",
                        "exstate.guard.redis.timeout=300ms",
                        "exstate.guard.redis.total-timeout=900ms",
                        "exstate.guard.redis.failure-rate-threshold=25.5",
                        "exstate.guard.redis.sliding-window-size=40",
                        "exstate.guard.redis.minimum-number-of-calls=5",
                        "exstate.guard.redis.wait-in-open-state=7s",
                        "exstate.guard.redis.permitted-calls-in-half-open-state=2",
                        "exstate.guard.redis.max-concurrent-calls=16",
                        "exstate.guard.redis.max-wait-for-slot=10ms",
                        "exstate.guard.redis.max-retries=0",
                        "exstate.guard.redis.retry-backoff=20ms",
                        "exstate.guard.redis.max-staleness=1m",
                        "exstate.guard.s3.max-retries=1").run(ctx -> {
                    StateRuntime runtime = ctx.getBean(StateRuntime.class);
                    assertThat(runtime.guard("redis").policy()).isEqualTo(GuardPolicy.builder()
                            .timeout(Duration.ofMillis(300)).totalTimeout(Duration.ofMillis(900))
                            .failureRateThreshold(25.5f).slidingWindowSize(40).minimumNumberOfCalls(5)
                            .waitInOpenState(Duration.ofSeconds(7)).permittedCallsInHalfOpenState(2)
                            .maxConcurrentCalls(16).maxWaitForSlot(Duration.ofMillis(10)).maxRetries(0)
                            .retryBackoff(Duration.ofMillis(20)).maxStaleness(Duration.ofMinutes(1)).build());
                    // S3's guard is the one named by its options, and keeps S3's longer timeouts
                    assertThat(runtime.guard("blobs").policy()).isEqualTo(s3Default.toBuilder().maxRetries(1).build());
                    assertThat(runtime.guard("etcd").policy()).isEqualTo(GuardPolicy.defaults());
                });
    }

    @Test
    @DisplayName("exstate.scheduler.* sets every LeasedScheduler setting the runtime's scheduler is built with")
    void schedulerPropertiesReachTheSchedulerBuilder() {
        ExstateProperties.Scheduler p = bind("exstate.scheduler", ExstateProperties.Scheduler.class, Map.of(
                "exstate.scheduler.threads", "3",
                "exstate.scheduler.shutdown-grace", "1s",
                "exstate.scheduler.lease-prefix", "cron:",
                "exstate.scheduler.lease-ttl", "30s",
                "exstate.scheduler.lease-renew-every", "5s"));
        var leases = InMemoryBackend.create().leaseProvider();
        assertThat(RuntimeFactory.schedulerSettings(p).apply(LeasedScheduler.builder(leases)))
                .usingRecursiveComparison()
                .isEqualTo(LeasedScheduler.builder(leases).threads(3).shutdownGrace(Duration.ofSeconds(1))
                        .leasePrefix("cron:").leaseTtl(Duration.ofSeconds(30)).leaseRenewEvery(Duration.ofSeconds(5)));
        assertThat(RuntimeFactory.schedulerSettings(new ExstateProperties.Scheduler()).apply(LeasedScheduler.builder(leases)))
                .usingRecursiveComparison()
                .isEqualTo(LeasedScheduler.builder(leases));
    }

    private static <T> T bind(String prefix, Class<T> type, Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bind(prefix, type).get();
    }
}
