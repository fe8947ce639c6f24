package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.FreePorts;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.s3.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The demo's command line against real backends started on loopback: {@code redis-server},
 * {@code etcd} and s3proxy (in-process). One of each serves every test: each demo run keeps its
 * state under app names of its own, which is part of what is checked.
 */
@DisplayName("the demo on real backends")
class DemoBackendsIT {
    private static final Pattern APP = Pattern.compile("^exstate:(shop-[0-9a-f]{8}):");
    private static final String BUCKET = "exstate-demo-it";

    private static RealBackends backends;
    private static RedisServer redis;
    private static EtcdServer etcd;
    private static S3ProxyServer s3;

    @BeforeAll
    static void startBackends() {
        backends = RealBackends.start();
        redis = backends.redis();
        etcd = backends.etcd();
        s3 = backends.s3();
    }

    @AfterAll
    static void stopBackends() {
        if (backends != null) {
            backends.close();
        }
    }

    @Nested
    @DisplayName("with --redis")
    class WithRedis {
        @Test
        @DisplayName("ShopService passes with sessions and leases in Redis, each group of replicas under its own app name")
        void shopPassesOnRedis() {
            Run run = demo("--redis", redis.uri());

            run.assertPassedWith("sessions and leases on Redis");
            assertThat(run.out).contains("Redis at " + redis.uri());
            // the carts really are in Redis, under two app names: the replicas' and the baseline's
            Set<String> sessionApps = appNames(keys("exstate:shop-*:session:*"));
            assertThat(sessionApps).as("app names of the sessions in Redis").hasSizeGreaterThanOrEqualTo(2);
            // the report job's leases went through Redis too (the fencing-token counter outlives the leases)
            assertThat(appNames(keys("exstate:shop-*:lease:*"))).isNotEmpty();
        }
    }

    @Nested
    @DisplayName("with --s3")
    class WithS3 {
        @Test
        @DisplayName("files uploaded through one replica are downloaded through the other from S3; the objects are removed afterwards")
        void shopPassesOnS3() {
            Run run = demo("--s3", s3.endpoint().toString(), "--bucket", BUCKET,
                    "--s3-access-key", s3.accessKey(), "--s3-secret-key", s3.secretKey());

            run.assertPassedWith("blobs on S3");
            assertThat(run.out).contains("S3 at " + s3.endpoint() + " (bucket " + BUCKET + ")");
            assertThat(s3.bucketExists(BUCKET)).as("the demo created its bucket").isTrue();
            assertThat(s3.storedNames(BUCKET)).as("objects left behind").isEmpty();
            assertThat(run.out + run.err).doesNotContain(s3.secretKey());
        }
    }

    @Nested
    @DisplayName("with --etcd")
    class WithEtcd {
        @Test
        @DisplayName("flags come from etcd, and flipping shop.discount there changes the answer of both running replicas")
        void flagChangeInEtcdReachesBothReplicas() {
            Run run = demo("--etcd", etcd.endpoint());

            run.assertPassedWith("config on etcd");
            assertThat(run.out)
                    .contains("Live config change: shop.discount true -> false in etcd keys /exstate/shop-")
                    .contains("replica 0: before 'discount=true percent=10', after 'discount=false percent=10'")
                    .contains("replica 1: before 'discount=true percent=10', after 'discount=false percent=10'")
                    .contains("[PASS] both replicas answered the new value")
                    .contains("live config change reached both replicas -- as expected");
            // every group's config was removed at the end
            assertThat(etcd.etcdctl("get", "--prefix", "--keys-only", "/exstate/shop-").requireSuccess().stdout())
                    .isBlank();
        }
    }

    @Nested
    @DisplayName("with every backend at once")
    class WithAll {
        @Test
        @DisplayName("ShopService passes with sessions and leases on Redis, config on etcd and blobs on S3")
        void shopPassesOnAllBackends() {
            Run run = demo("--redis", redis.uri(), "--etcd", etcd.endpoint(), "--s3=" + s3.endpoint(), "--bucket", BUCKET,
                    "--s3-access-key", s3.accessKey(), "--s3-secret-key", s3.secretKey());

            run.assertPassedWith("sessions and leases on Redis, config on etcd, blobs on S3)");
            assertThat(run.out).contains("[PASS] both replicas answered the new value");
            assertThat(s3.storedNames(BUCKET)).isEmpty();
        }
    }

    @Nested
    @DisplayName("with a backend that cannot be reached")
    class Unreachable {
        @Test
        @DisplayName("Redis: one line naming Redis and its address without the password, exit code 1")
        void unreachableRedis() {
            int port = FreePorts.next();
            Run run = demo("--redis", "redis://:hunter2@127.0.0.1:" + port);

            run.assertUnreachable("cannot reach Redis at redis://127.0.0.1:" + port + ": ", "hunter2");
        }

        @Test
        @DisplayName("etcd: one line naming etcd and its endpoint, exit code 1")
        void unreachableEtcd() {
            int port = FreePorts.next();
            Run run = demo("--etcd", "http://127.0.0.1:" + port);

            run.assertUnreachable("cannot reach etcd at http://127.0.0.1:" + port + ": ", null);
        }

        @Test
        @DisplayName("S3: one line naming S3, its endpoint and bucket, without the keys, exit code 1")
        void unreachableS3() {
            int port = FreePorts.next();
            Run run = demo("--s3", "http://127.0.0.1:" + port, "--s3-access-key", "AKIDEXAMPLE",
                    "--s3-secret-key", "wJalrXUtnFEMIsecret");

            run.assertUnreachable("cannot reach S3 at http://127.0.0.1:" + port + " (bucket exstate-demo): ",
                    "wJalrXUtnFEMIsecret");
        }
    }

    private static Run demo(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Demo.run(args, print(out), print(err));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<String> keys(String pattern) {
        Object reply = redis.call("KEYS", pattern);
        assertThat(reply).isInstanceOf(List.class);
        return ((List<?>) reply).stream().map(String::valueOf).toList();
    }

    private static Set<String> appNames(List<String> keys) {
        return keys.stream().map(APP::matcher).filter(Matcher::find).map(m -> m.group(1)).collect(Collectors.toSet());
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private record Run(int code, String out, String err) {
        void assertPassedWith(String backends) {
            assertThat(code).as("exit code; stdout:\n%s\nstderr:\n%s", out, err).isZero();
            assertThat(out)
                    .contains("Result: PASS -- ShopService (exstate: " + backends)
                    .contains("Summary: ShopService PASS; NaiveShopService FAIL on sessions, files, timer");
            assertThat(err).isEmpty();
        }

        void assertUnreachable(String expected, String secret) {
            assertThat(code).as("exit code; stderr:\n%s", err).isEqualTo(1);
            assertThat(out).isEmpty();
            assertThat(err.lines().toList()).as("stderr").singleElement().asString()
                    .startsWith("demo: " + expected);
            if (secret != null) {
                assertThat(err).doesNotContain(secret);
            }
        }
    }
}
