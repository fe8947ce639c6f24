package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.s3.S3ProxyServer;
import dev.exstate.testkit.stateless.ChurnCheck.ScaleAction;
import dev.exstate.testkit.stateless.ScaleChurnReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The churn check on both shops: replicas added, removed and killed while users fill carts and
 * upload files. ShopService must lose nothing; NaiveShopService is caught. Each run prints its
 * report, so CI logs show the figures.
 */
@DisplayName("the churn check on the example shops")
class ChurnCheckIT {
    /** Fixed, so that a failure can be repeated with the same scale events and requests. */
    private static final long SEED = 20261204L;

    @Nested
    @DisplayName("on the embedded in-memory backend")
    class InMemory {
        @Test
        @DisplayName("ShopService loses no cart item, upload or tick; NaiveShopService loses all three")
        void exstateShopPassesAndNaiveShopIsCaught() {
            DemoResult.Churn result = Demo.runChurn(DemoOptions.churn(SEED), SEED);
            System.out.println(result.exstate().render());
            System.out.println(result.naive().render());
            System.out.println(result.summary());

            ScaleChurnReport exstate = result.exstate();
            assertThat(exstate.events()).extracting(e -> e.action()).contains(ScaleAction.SCALE_OUT, ScaleAction.KILL);
            assertThat(exstate.sessionWrites()).as(exstate.render()).isPositive();
            assertThat(exstate.uploads()).as(exstate.render()).isPositive();
            assertThat(exstate.jobRunCount()).as(exstate.render()).isPositive();
            assertThat(exstate.lostWrites()).as(exstate.render()).isEmpty();
            assertThat(exstate.duplicateJobRuns()).as(exstate.render()).isEmpty();
            assertThat(exstate.lostUploads()).as(exstate.render()).isEmpty();
            assertThat(exstate.readinessPolls()).as(exstate.render()).isPositive();
            assertThat(exstate.passed()).as(exstate.render()).isTrue();

            ScaleChurnReport naive = result.naive();
            assertThat(naive.lostWrites()).as(naive.render()).isNotEmpty();
            assertThat(naive.lostUploads()).as(naive.render()).isNotEmpty();
            assertThat(naive.duplicateJobRuns()).as(naive.render()).isNotEmpty();
            assertThat(result.asExpected()).isTrue();
            assertThat(result.summary()).startsWith("Summary: ShopService PASS; NaiveShopService FAIL on sessions, files, timer");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("on real Redis, etcd and s3proxy, through the demo's --churn")
    class OnRealBackends {
        private static final String BUCKET = "exstate-churn-it";
        private RealBackends backends;

        @BeforeAll
        void startBackends() {
            backends = RealBackends.start();
        }

        @AfterAll
        void stopBackends() {
            if (backends != null) {
                backends.close();
            }
        }

        @Test
        @DisplayName("ShopService with sessions and leases on Redis, config on etcd, blobs on S3 loses nothing; the naive shop is caught")
        void exstateShopPassesOnRealBackends() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();

            RedisServer redis = backends.redis();
            EtcdServer etcd = backends.etcd();
            S3ProxyServer s3 = backends.s3();
            int code = Demo.run(new String[] {"--churn", "--seed", Long.toString(SEED), "--redis", redis.uri(),
                    "--etcd", etcd.endpoint(), "--s3", s3.endpoint().toString(), "--bucket", BUCKET,
                    "--s3-access-key", s3.accessKey(), "--s3-secret-key", s3.secretKey()},
                    print(out), print(err));
            String stdout = out.toString(StandardCharsets.UTF_8);
            System.out.println(stdout);

            assertThat(code).as("exit code; stderr:\n%s", err).isZero();
            String exstate = stdout.substring(0, stdout.indexOf("== Churn check: NaiveShopService"));
            String naive = stdout.substring(stdout.indexOf("== Churn check: NaiveShopService"));
            assertThat(exstate).contains("== Churn check: ShopService (exstate: sessions and leases on Redis, config on etcd, blobs on S3)",
                    "Result: PASS -- ShopService");
            assertThat(figure(exstate, "session writes: (\\d+) acknowledged, (\\d+) lost")).isPositive();
            assertThat(figure(exstate, "session writes: \\d+ acknowledged, (\\d+) lost")).isZero();
            assertThat(figure(exstate, "uploads: (\\d+) acknowledged")).isPositive();
            assertThat(figure(exstate, "uploads: \\d+ acknowledged, (\\d+) lost or partial")).isZero();
            assertThat(figure(exstate, "scheduled jobs: (\\d+) runs")).isPositive();
            assertThat(figure(exstate, "(\\d+) duplicate ticks")).isZero();
            assertThat(naive).contains("[FAIL] session writes", "[FAIL] uploads", "[FAIL] scheduled jobs", "Result: FAIL");
            assertThat(stdout).contains("Seed " + SEED + ".",
                    "Summary: ShopService PASS; NaiveShopService FAIL on sessions, files, timer -- as expected");
            assertThat(stdout + err).doesNotContain(s3.secretKey());
            // every object the churn uploaded was removed with its world
            assertThat(s3.storedNames(BUCKET)).isEmpty();
        }

        private long figure(String report, String regex) {
            Matcher m = Pattern.compile(regex).matcher(report);
            assertThat(m.find()).as("'%s' in:%n%s", regex, report).isTrue();
            return Long.parseLong(m.group(1));
        }
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
