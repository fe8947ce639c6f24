package dev.exstate.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.redis.RedisLeaseProvider;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.s3.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A web application configured by properties only, on real redis-server, etcd and s3proxy: the
 * probes over HTTP (liveness never follows a backend, readiness does), and a context close that
 * releases the lease a running job holds and closes the Redis connections.
 */
@DisplayName("the starter in a Boot web application on real Redis, etcd and S3")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExstateStarterIT {
    private static final Logger log = LoggerFactory.getLogger(ExstateStarterIT.class);
    private static final String APP = "shop-it";
    private static final String REDIS_PASSWORD = "redis-It-Secret-4";
    private static final String BUCKET = "shop-files";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static final List<AutoCloseable> backends = new ArrayList<>();
    private static RedisServer redis;
    private static S3ProxyServer s3;
    private static ConfigurableApplicationContext app;
    private static HttpClient http;
    private static String base;

    @BeforeAll
    static void start() {
        long starting = System.nanoTime();
        redis = closeLater(RedisServer.builder().password(REDIS_PASSWORD).start());
        EtcdServer etcd = closeLater(EtcdServer.builder().start());
        s3 = closeLater(S3ProxyServer.startTransient());
        s3.createBucket(BUCKET);
        app = new SpringApplicationBuilder(ShopApp.class).properties(
                "server.port=0",
                "spring.application.name=" + APP,
                "exstate.require-shared-backends=true",
                "exstate.redis.uri=" + redis.uri(),
                "exstate.redis.password=" + REDIS_PASSWORD,
                "exstate.redis.command-timeout=1s",
                "exstate.etcd.endpoints=" + etcd.endpoint(),
                "exstate.s3.endpoint=" + s3.endpoint(),
                "exstate.s3.access-key=" + s3.accessKey(),
                "exstate.s3.secret-key=" + s3.secretKey(),
                "exstate.s3.bucket=" + BUCKET,
                "exstate.scheduler.shutdown-grace=1s",
                "management.endpoints.web.exposure.include=health,metrics",
                "management.endpoint.health.show-details=always").run();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
        log.info("backends and application started in {} ms", Duration.ofNanos(System.nanoTime() - starting).toMillis());
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            long closing = System.nanoTime();
            app.close();
            log.info("context closed in {} ms (job interrupted after the 1 s grace)", Duration.ofNanos(System.nanoTime() - closing).toMillis());
        }
        for (int i = backends.size() - 1; i >= 0; i--) {
            backends.get(i).close();
        }
    }

    @Test
    @Order(1)
    @DisplayName("liveness and readiness are UP; readiness holds exstate with every backend, liveness does not; no secret is shown")
    void probesAreUp() throws Exception {
        Answer liveness = get("/actuator/health/liveness");
        assertThat(liveness.status()).isEqualTo(200);
        assertThat(liveness.body()).contains("\"UP\"").doesNotContain("exstate");

        Answer readiness = get("/actuator/health/readiness");
        assertThat(readiness.status()).as(readiness.body()).isEqualTo(200);
        assertThat(readiness.body()).contains("\"readinessState\"", "\"exstate\"", "\"redis\"", "\"etcd\"", "\"s3\"",
                "\"config:etcd\"", "\"app\":\"" + APP + "\"");

        Answer all = get("/actuator/health");
        assertThat(all.body()).doesNotContain(REDIS_PASSWORD, s3.secretKey());
    }

    @Test
    @Order(2)
    @DisplayName("exstate's meters are in /actuator/metrics with no Java: guarded Redis calls by operation and outcome, leases held, config revision")
    void metricsOverHttp() throws Exception {
        // the job holding its lease has made guarded Redis calls (acquire, renewals) since start-up
        await().atMost(PATIENCE).until(() -> get("/actuator/metrics/exstate.scheduler.leases.held").body().contains("\"value\":1.0"));
        Answer names = get("/actuator/metrics");
        assertThat(names.status()).isEqualTo(200);
        assertThat(names.body()).contains("\"exstate.guard.calls\"", "\"exstate.guard.breaker.state\"",
                "\"exstate.scheduler.ticks\"", "\"exstate.scheduler.leases.held\"", "\"exstate.config.revision\"");

        Answer calls = get("/actuator/metrics/exstate.guard.calls?tag=backend:redis&tag=outcome:success");
        assertThat(calls.status()).as(calls.body()).isEqualTo(200);
        assertThat(calls.body()).contains("\"COUNT\"", "\"app\"", "\"operation\"");
        assertThat(count(calls.body())).as(calls.body()).isPositive();
        assertThat(get("/actuator/metrics/exstate.guard.calls?tag=app:" + APP).status()).isEqualTo(200);
        assertThat(get("/actuator/metrics/exstate.config.revision").body()).contains("\"VALUE\"");
    }

    private static double count(String metricJson) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"statistic\":\"COUNT\",\"value\":([0-9.E]+)").matcher(metricJson);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    @Order(3)
    @DisplayName("readiness goes DOWN while Redis is paused (SIGSTOP) and UP again after SIGCONT; liveness stays UP")
    void readinessFollowsRedisLivenessDoesNot() throws Exception {
        long paused = System.nanoTime();
        redis.pause();
        try {
            AtomicBoolean livenessAlwaysUp = new AtomicBoolean(true);
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (get("/actuator/health/liveness").status() != 200) {
                    livenessAlwaysUp.set(false);
                }
                return get("/actuator/health/readiness").status() == 503;
            });
            log.info("readiness DOWN {} ms after SIGSTOP of redis-server", Duration.ofNanos(System.nanoTime() - paused).toMillis());
            Answer readiness = get("/actuator/health/readiness");
            assertThat(readiness.body()).contains("\"DOWN\"", "redis");
            assertThat(livenessAlwaysUp).isTrue();
            assertThat(get("/actuator/health/liveness").status()).isEqualTo(200);
        } finally {
            redis.resume();
        }
        long resumed = System.nanoTime();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/actuator/health/readiness").status() == 200);
        log.info("readiness UP {} ms after SIGCONT", Duration.ofNanos(System.nanoTime() - resumed).toMillis());
    }

    @Test
    @Order(4)
    @DisplayName("closing the context releases the lease a running job holds and closes the Redis connections")
    void closeReleasesLeasesAndClosesStores() throws Exception {
        // the job starts at start-up and runs until interrupted, holding job:hold (TTL 10 min)
        String leaseKey = "exstate:" + APP + ":lease:{job:hold}";
        await().atMost(PATIENCE).until(() -> Long.valueOf(1).equals(redis.call("EXISTS", leaseKey)));
        RedisState other = RedisState.connect(RedisOptions.standalone(redis.uri()).password(REDIS_PASSWORD)
                .appName(APP).build());
        try (RedisLeaseProvider leases = other.leaseProvider()) {
            assertThat(leases.tryAcquire("job:hold", Duration.ofSeconds(30))).as("held by the running job").isEmpty();
            assertThat(clients()).isGreaterThan(1);

            long closing = System.nanoTime();
            app.close();
            log.info("context closed in {} ms (job interrupted after the 1 s grace)", Duration.ofNanos(System.nanoTime() - closing).toMillis());

            Optional<Lease> taken = leases.tryAcquire("job:hold", Duration.ofSeconds(30));
            assertThat(taken).as("released on close, not left to expire after 10 min").isPresent();
            taken.get().release();
        } finally {
            other.close();
        }
        // only the connection that asks is left
        await().atMost(PATIENCE).until(() -> clients() == 1);
    }

    private static int clients() {
        String list = String.valueOf(redis.call("CLIENT", "LIST"));
        return (int) list.lines().filter(l -> !l.isBlank()).count();
    }

    private static Answer get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    private static <T extends AutoCloseable> T closeLater(T c) {
        backends.add(c);
        return c;
    }

    private record Answer(int status, String body) {
    }

    /** The whole application: auto-configuration, and one job that holds its lease until stopped. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ShopApp {
        @Bean
        ApplicationRunner holdJob(LeasedScheduler scheduler) {
            return args -> scheduler.scheduleWithFixedDelay("hold", Duration.ofMinutes(10), ctx -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }
}
