package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.testkit.stateless.Difference;
import dev.exstate.testkit.stateless.StatelessnessReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the demo")
class DemoTest {

    @Test
    @DisplayName("ShopService passes the statelessness check; NaiveShopService fails on /cart, /files and its timer")
    void exstateShopPassesAndNaiveShopFails() {
        Demo.Result result = Demo.runChecks(Demo.Options.defaults());

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
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: Demo", "exit code: 0 if ShopService passed");
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
