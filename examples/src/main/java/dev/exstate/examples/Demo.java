package dev.exstate.examples;

import dev.exstate.memory.InMemoryBackend;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.testkit.stateless.JobRun;
import dev.exstate.testkit.stateless.Replica;
import dev.exstate.testkit.stateless.ReplicaFactory;
import dev.exstate.testkit.stateless.StatelessnessCheck;
import dev.exstate.testkit.stateless.StatelessnessReport;
import dev.exstate.testkit.stateless.Step;
import dev.exstate.testkit.stateless.Workload;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runnable demo: runs the {@link StatelessnessCheck} against {@link ShopService} (state in
 * exstate) and {@link NaiveShopService} (state in the process), prints both reports and a summary.
 *
 * <p>Exit code 0 when the exstate shop passes and the naive one fails on sessions, files and the
 * timer (the point of the demo); 1 otherwise; 2 on a bad command line.
 *
 * <p>Run: {@code ./mvnw -q -B install -DskipTests && ./mvnw -q -B -pl examples exec:java}
 */
public final class Demo {
    /** Period of the shops' report job. */
    static final Duration REPORT_PERIOD = Duration.ofMillis(200);
    /** How long the replicas run before their job runs are compared: several report periods. */
    static final Duration JOB_WINDOW = Duration.ofMillis(1500);
    /** The config both shops start with. */
    static final Map<String, String> CONFIG = Map.of("shop.discount", "true", "shop.discount-percent", "10");

    static final String USAGE = String.join("\n",
            "usage: Demo [--help]",
            "  Runs the statelessness check (2 replicas, round-robin, compared with 1 fresh replica)",
            "  against ShopService (state in exstate, in-memory backend) and NaiveShopService (state in",
            "  the process), and prints both reports.",
            "  --help   show this text",
            "exit code: 0 if ShopService passed and NaiveShopService failed on sessions, files and",
            "           the timer; 1 otherwise; 2 on a bad command line");

    private Demo() {
    }

    public static void main(String[] args) {
        // before any logger exists: keep the demo's output to the reports
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(run(args, System.out, System.err));
    }

    /** The demo without {@code System.exit}: returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("demo: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(USAGE);
            return 0;
        }
        out.println("exstate demo: is the shop stateless? 2 replicas behind a round-robin balancer must answer");
        out.println("every request exactly as 1 replica alone, and the report job must run once per tick.");
        out.println();
        Result result;
        try {
            result = runChecks(options);
        } catch (RuntimeException e) {
            err.println("demo: the check could not run: " + e.getMessage());
            return 1;
        }
        out.println(result.exstate().render());
        out.println(result.naive().render());
        out.println(result.summary());
        return result.asExpected() ? 0 : 1;
    }

    /** Runs the check against both shops. */
    public static Result runChecks(Options options) {
        StatelessnessReport exstate = check("ShopService (exstate, in-memory backend)", exstateShop(options));
        StatelessnessReport naive = check("NaiveShopService (state in the process)", naiveShop());
        return new Result(exstate, naive);
    }

    private static StatelessnessReport check(String name, ReplicaFactory factory) {
        return StatelessnessCheck.builder(factory)
                .name(name)
                .replicas(2)
                .workload(workload())
                .jobWindow(JOB_WINDOW)
                .requestTimeout(Duration.ofSeconds(5))
                .startTimeout(Duration.ofSeconds(15))
                .build()
                .run();
    }

    /**
     * Three shoppers: fill a cart and read it back, read the flags, upload a file and download it
     * through the next replica.
     */
    public static Workload workload() {
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
                        Step.get("/files/{{fileId}}"))
                .client("carol",
                        Step.get("/flags"),
                        Step.post("/cart/items", "bread"),
                        Step.post("/cart/items", "butter"),
                        Step.get("/cart"),
                        Step.post("/files", "carol's photo \u00e9\u00e8".getBytes(StandardCharsets.UTF_8))
                                .capture("fileId", "^([0-9a-f]{64})$"),
                        Step.get("/files/{{fileId}}"),
                        Step.get("/health/live"))
                .build();
    }

    /** Replicas of {@link ShopService}: a world is one {@link InMemoryBackend} with the demo config. */
    public static ReplicaFactory exstateShop(Options options) {
        return world -> {
            InMemoryBackend backend = world.shared("backend", () -> {
                InMemoryBackend b = InMemoryBackend.create();
                b.putConfig(CONFIG);
                return b;
            });
            StateRuntime runtime = StateRuntime.builder("shop").inMemory(backend).build();
            try {
                ShopService shop = ShopService.start(runtime, REPORT_PERIOD);
                return Replica.of(shop.baseUri(), () -> runs(shop.reportTicks()), () -> {
                    try {
                        shop.close();
                    } finally {
                        runtime.close();
                    }
                });
            } catch (Exception e) {
                runtime.close();
                throw e;
            }
        };
    }

    /** Replicas of {@link NaiveShopService}: a world is only the config map each replica reads once. */
    public static ReplicaFactory naiveShop() {
        return world -> {
            Map<String, String> config = world.shared("config", () -> CONFIG);
            NaiveShopService shop = NaiveShopService.start(config, REPORT_PERIOD);
            return Replica.of(shop.baseUri(), () -> runs(shop.reportTicks()), shop);
        };
    }

    private static List<JobRun> runs(List<Long> ticks) {
        return ticks.stream().map(t -> new JobRun("report", t)).toList();
    }

    /**
     * The command line. Flags for remote backends ({@code --redis}, {@code --etcd}, {@code --s3})
     * will be added here.
     *
     * @param help show the usage
     */
    public record Options(boolean help) {
        public static Options defaults() {
            return new Options(false);
        }

        /** @throws IllegalArgumentException naming the offending argument */
        public static Options parse(String... args) {
            boolean help = false;
            for (String arg : args) {
                switch (arg) {
                    case "--help", "-h" -> help = true;
                    default -> throw new IllegalArgumentException(arg.startsWith("-")
                            ? "unknown option '" + arg + "'" : "unexpected argument '" + arg + "'");
                }
            }
            return new Options(help);
        }
    }

    /**
     * Both verdicts.
     *
     * @param exstate the report on {@link ShopService}
     * @param naive   the report on {@link NaiveShopService}
     */
    public record Result(StatelessnessReport exstate, StatelessnessReport naive) {

        /** The naive shop lost carts between replicas. */
        public boolean naiveFailsOnSessions() {
            return !naive.differencesOn("/cart").isEmpty();
        }

        /** The naive shop could not serve a file uploaded to another replica. */
        public boolean naiveFailsOnFiles() {
            return !naive.differencesOn("/files").isEmpty();
        }

        /** The naive shop ran a report tick on both replicas. */
        public boolean naiveFailsOnTimer() {
            return !naive.jobsPassed();
        }

        /** What the demo sets out to show: exstate passes, the naive shop fails on all three. */
        public boolean asExpected() {
            return exstate.passed() && naiveFailsOnSessions() && naiveFailsOnFiles() && naiveFailsOnTimer();
        }

        /** One line. */
        public String summary() {
            List<String> naiveFailures = new ArrayList<>();
            if (naiveFailsOnSessions()) {
                naiveFailures.add("sessions");
            }
            if (naiveFailsOnFiles()) {
                naiveFailures.add("files");
            }
            if (naiveFailsOnTimer()) {
                naiveFailures.add("timer");
            }
            String naivePart = naiveFailures.isEmpty() ? "NaiveShopService PASS"
                    : "NaiveShopService FAIL on " + String.join(", ", naiveFailures);
            return "Summary: ShopService " + (exstate.passed() ? "PASS" : "FAIL") + "; " + naivePart
                    + (asExpected() ? " -- as expected: state belongs outside the process."
                    : " -- NOT as expected (the demo wants ShopService to pass and the naive one to fail on sessions, files and timer).");
        }
    }
}
