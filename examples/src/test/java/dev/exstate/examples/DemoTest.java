package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.testkit.stateless.Difference;
import dev.exstate.testkit.stateless.StatelessnessReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the demo")
class DemoTest {

    @Test
    @DisplayName("ShopService passes the statelessness check; NaiveShopService fails on /cart, /files and its timer")
    void exstateShopPassesAndNaiveShopFails() {
        DemoResult result = Demo.runChecks(DemoOptions.defaults());

        StatelessnessReport exstate = result.exstate();
        assertThat(exstate.differences()).as(exstate.render()).isEmpty();
        assertThat(exstate.duplicateJobRuns()).as(exstate.render()).isEmpty();
        assertThat(exstate.jobRunCount()).as("the report job ran at all").isPositive();
        assertThat(exstate.notes()).as("the baseline answered every request").isEmpty();
        assertThat(exstate.passed()).isTrue();

        StatelessnessReport naive = result.naive();
        assertThat(naive.passed()).isFalse();
        // a cart filled on one replica is empty on the other
        assertThat(naive.differencesOn("/cart")).isNotEmpty()
                .anySatisfy(d -> assertThat(d.kind()).isEqualTo(Difference.Kind.BODY));
        // a file uploaded to one replica is 404 on the other
        assertThat(naive.differencesOn("/files/")).isNotEmpty()
                .allSatisfy(d -> {
                    assertThat(d.expected().status()).isEqualTo(200);
                    assertThat(d.actual().status()).isEqualTo(404);
                });
        // every replica ran the report job on the same ticks
        assertThat(naive.duplicateJobRuns()).isNotEmpty()
                .allSatisfy(d -> assertThat(d.replicas()).containsExactly(0, 1));
        // flags read once at start are still right while nobody changes them
        assertThat(naive.differencesOn("/flags")).isEmpty();

        assertThat(result.asExpected()).isTrue();
        assertThat(result.summary()).startsWith("Summary: ShopService PASS; NaiveShopService FAIL on sessions, files, timer");
        assertThat(naive.render()).contains("[FAIL] responses", "[FAIL] scheduled jobs", "state is kept in the process",
                "LeasedScheduler", "Result: FAIL");
    }

    @Test
    @DisplayName("an unknown option prints the usage and exits with 2, without running anything")
    void unknownOptionExitsWithTwo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Demo.run(new String[] {"--bogus"}, print(out), print(err));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option '--bogus'", "usage: Demo");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    @DisplayName("--help prints the usage and exits with 0")
    void helpPrintsUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int code = Demo.run(new String[] {"--help"}, print(out), print(new ByteArrayOutputStream()));

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: Demo", "exit code: 0 if ShopService passed",
                "[--churn [--seed N]]", "--churn              run the churn check instead");
    }

    @Test
    @DisplayName("--churn takes no value, and --seed needs --churn and a whole number")
    void churnOptions() {
        DemoOptions o = DemoOptions.parse("--churn", "--seed", "-42", "--redis", "redis://127.0.0.1:6379");
        assertThat(o.churn()).isTrue();
        assertThat(o.seed()).isEqualTo(-42L);
        assertThat(o).isEqualTo(DemoOptions.parse("--seed=-42", "--redis=redis://127.0.0.1:6379", "--churn"));
        assertThat(o.toString()).contains("churn, seed=-42");
        assertThat(DemoOptions.parse("--churn").seed()).isNull();
        assertThat(DemoOptions.defaults().churn()).isFalse();

        assertBadCommandLine(new String[] {"--seed", "7"}, "--seed needs --churn");
        assertBadCommandLine(new String[] {"--churn", "--seed", "seven"}, "--seed needs a whole number (a long), was 'seven'");
        assertBadCommandLine(new String[] {"--churn", "--seed", "1", "--seed", "2"}, "option --seed given twice");
        assertBadCommandLine(new String[] {"--churn=yes"}, "option --churn takes no value");
    }

    @Test
    @DisplayName("a backend option without a value, or a malformed address, is a bad command line (exit 2)")
    void badBackendOptionsExitWithTwo() {
        assertBadCommandLine(new String[] {"--redis"}, "option --redis needs a value");
        assertBadCommandLine(new String[] {"--redis", "--etcd", "http://127.0.0.1:2379"}, "option --redis needs a value");
        assertBadCommandLine(new String[] {"--redis", "http://127.0.0.1:6379"}, "--redis: ");
        assertBadCommandLine(new String[] {"--etcd", "127.0.0.1:2379"}, "--etcd: ");
        assertBadCommandLine(new String[] {"--s3", "ftp://127.0.0.1:9000"}, "--s3: ");
        assertBadCommandLine(new String[] {"--bucket", "b1b"}, "need --s3 URL");
        assertBadCommandLine(new String[] {"--s3", "http://127.0.0.1:9000", "--s3-access-key", "AK"},
                "S3 needs both an access key and a secret key");
        assertBadCommandLine(new String[] {"--etcd", "http://a:1", "--etcd", "http://b:1"}, "option --etcd given twice");
    }

    @Test
    @DisplayName("backend options take 'name value' and 'name=value'; S3 keys fall back to the environment")
    void parsesBackendOptions() {
        DemoOptions o = DemoOptions.parse(Map.of("EXSTATE_S3_ACCESS_KEY", "AKENV", "EXSTATE_S3_SECRET_KEY", "SKENV"),
                "--redis=redis://127.0.0.1:6379", "--etcd", "http://127.0.0.1:2379", "--s3", "http://127.0.0.1:9000");

        assertThat(o.redis()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(o.etcd()).isEqualTo("http://127.0.0.1:2379");
        assertThat(o.s3()).isEqualTo("http://127.0.0.1:9000");
        assertThat(o.bucket()).isEqualTo(DemoOptions.DEFAULT_BUCKET);
        assertThat(o.s3AccessKey()).isEqualTo("AKENV");
        assertThat(o.s3SecretKey()).isEqualTo("SKENV");

        DemoOptions flags = DemoOptions.parse(Map.of("EXSTATE_S3_ACCESS_KEY", "AKENV", "EXSTATE_S3_SECRET_KEY", "SKENV"),
                "--s3", "http://127.0.0.1:9000", "--s3-access-key", "AKFLAG", "--s3-secret-key", "SKFLAG");
        assertThat(flags.s3AccessKey()).isEqualTo("AKFLAG");
        assertThat(flags.s3SecretKey()).isEqualTo("SKFLAG");
    }

    @Test
    @DisplayName("the options never show credentials")
    void optionsHideCredentials() {
        DemoOptions o = DemoOptions.parse("--redis", "redis://:hunter2@127.0.0.1:6379", "--s3", "http://127.0.0.1:9000",
                "--s3-access-key", "AKFLAG", "--s3-secret-key", "SKFLAG");

        assertThat(o.toString()).contains("redis://127.0.0.1:6379", "http://127.0.0.1:9000")
                .doesNotContain("hunter2", "AKFLAG", "SKFLAG");
    }

    private static void assertBadCommandLine(String[] args, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Demo.run(args, print(out), print(err));

        assertThat(code).as(String.join(" ", args)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).as(String.join(" ", args)).contains(message, "usage: Demo");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
