package dev.exstate.examples;

import dev.exstate.testkit.stateless.ChurnCheck;
import dev.exstate.testkit.stateless.JobRun;
import dev.exstate.testkit.stateless.Replica;
import dev.exstate.testkit.stateless.ReplicaFactory;
import dev.exstate.testkit.stateless.ScaleChurnReport;
import dev.exstate.testkit.stateless.StatelessnessCheck;
import dev.exstate.testkit.stateless.StatelessnessReport;
import dev.exstate.testkit.stateless.Step;
import dev.exstate.testkit.stateless.Workload;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;

/**
 * The runnable demo: runs the {@link StatelessnessCheck} against {@link ShopService} (state in
 * exstate) and {@link NaiveShopService} (state in the process), prints both reports and a summary.
 * The command line is {@link DemoOptions}; what was found, and how it is told, is {@link DemoResult}.
 *
 * <p>By default ShopService's replicas share an in-memory backend. With {@code --redis URI} they
 * share sessions and leases through that Redis, with {@code --etcd URL} they read their feature
 * flags from etcd, with {@code --s3 URL} (plus {@code --bucket} and credentials) they keep uploaded
 * files in S3; any combination works. Every group of replicas (the two under test, the one
 * baseline replica, the two of the live config change) then runs under an app name of its own
 * ({@code shop-<random hex>}), so their keys do not mix, and its etcd keys and S3 objects are
 * removed when it stops. With etcd, after the check the demo flips {@code shop.discount} in etcd
 * and shows two running replicas answering the new value without a restart.
 *
 * <p>With {@code --churn} the demo runs the {@link ChurnCheck} on both shops instead: users fill
 * carts, upload files and read flags while replicas are added, removed and killed, and the reports
 * list what was lost ({@link #runChurn}).
 *
 * <p>Exit code 0 when the exstate shop passes, the naive one fails on sessions, files and the timer
 * (the point of the demo) and, with etcd, the flag change reached both replicas; 1 otherwise, or
 * when a backend cannot be reached (one line on stderr naming it and its address, never
 * credentials); 2 on a bad command line.
 *
 * <p>Run: {@code ./scripts/demo.sh [options]}, or
 * {@code ./mvnw -q -B install -DskipTests && ./mvnw -q -B -pl examples exec:java -Dexec.args="--redis redis://127.0.0.1:6379"}
 */
public final class Demo {
    /** Period of the shops' report job. */
    static final Duration REPORT_PERIOD = Duration.ofMillis(200);
    /** How long the replicas run before their job runs are compared: several report periods. */
    static final Duration JOB_WINDOW = Duration.ofMillis(1500);
    /** The config both shops start with. */
    static final Map<String, String> CONFIG = Map.of("shop.discount", "true", "shop.discount-percent", "10");
    /** The flag the live config change flips, and its new value. */
    static final String LIVE_KEY = "shop.discount";
    static final String LIVE_VALUE = "false";
    /** How long the replicas get to see the flag change. */
    static final Duration LIVE_DEADLINE = Duration.ofSeconds(10);
    /** How long the churn check's users run while replicas come and go. */
    static final Duration CHURN_DURATION = Duration.ofSeconds(15);
    /** Scale events in that time. */
    static final int CHURN_EVENTS = 6;
    /** Concurrent users of the churn check. */
    static final int CHURN_USERS = 4;

    // JUL loggers are held weakly: keep the configured one alive
    private static java.util.logging.Logger grpcLogger;

    private Demo() {
    }

    public static void main(String[] args) {
        // before any logger exists: keep the demo's output to the reports
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // jetcd warns about every retry of an unreachable etcd; the demo reports that in one line
        if (System.getProperty("org.slf4j.simpleLogger.log.io.etcd.jetcd") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.io.etcd.jetcd", "error");
        }
        // gRPC (under jetcd) logs through java.util.logging, with stack traces on connection errors
        grpcLogger = java.util.logging.Logger.getLogger("io.grpc");
        grpcLogger.setLevel(Level.SEVERE);
        System.exit(run(args, System.out, System.err));
    }

    /** The demo without {@code System.exit}: returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(System.getenv(), args);
        } catch (IllegalArgumentException e) {
            err.println("demo: " + e.getMessage());
            err.println(DemoOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(DemoOptions.USAGE);
            return 0;
        }
        Backends backends = new Backends(options);
        try {
            backends.probe();
        } catch (Backends.BackendUnreachableException e) {
            err.println("demo: " + e.getMessage());
            return 1;
        }
        if (options.churn()) {
            return runChurnDemo(options, backends, out, err);
        }
        out.println("exstate demo: is the shop stateless? 2 replicas behind a round-robin balancer must answer");
        out.println("every request exactly as 1 replica alone, and the report job must run once per tick.");
        if (backends.anyRemote()) {
            out.println("ShopService keeps " + backends.describe() + ":");
            backends.addresses().forEach(a -> out.println("  " + a));
        }
        out.println();
        DemoResult result;
        try {
            result = runChecks(options);
        } catch (RuntimeException e) {
            err.println("demo: the check could not run: " + e.getMessage());
            return 1;
        }
        out.println(result.exstate().render());
        out.println(result.naive().render());
        result.liveChange().ifPresent(live -> out.println(live.render()));
        out.println(result.summary());
        return result.asExpected() ? 0 : 1;
    }

    private static int runChurnDemo(DemoOptions options, Backends backends, PrintStream out, PrintStream err) {
        long seed = options.seed() != null ? options.seed() : new java.util.Random().nextLong();
        out.println("exstate demo: does the shop survive an autoscaler? " + CHURN_USERS + " users shop for "
                + CHURN_DURATION.toSeconds() + " s while replicas (2 to 4) are added, removed and killed;");
        out.println("no acknowledged cart item or upload may be lost, and the report job must run once per tick. Seed " + seed + ".");
        if (backends.anyRemote()) {
            out.println("ShopService keeps " + backends.describe() + ":");
            backends.addresses().forEach(a -> out.println("  " + a));
        }
        out.println();
        DemoResult.Churn result;
        try {
            result = runChurn(options, seed);
        } catch (RuntimeException e) {
            err.println("demo: the churn check could not run: " + e.getMessage());
            return 1;
        }
        out.println(result.exstate().render());
        out.println(result.naive().render());
        out.println(result.summary());
        return result.asExpected() ? 0 : 1;
    }

    /**
     * Runs the churn check against both shops with {@code seed}, ShopService on the backends
     * {@code options} name. Backends are not probed first: an unreachable one makes a replica fail
     * to start ({@link IllegalStateException}).
     */
    public static DemoResult.Churn runChurn(DemoOptions options, long seed) {
        Backends backends = new Backends(options);
        ScaleChurnReport exstate = churnCheck(shopName(backends), exstateShop(backends)).seed(seed).build().run();
        ScaleChurnReport naive = churnCheck("NaiveShopService (state in the process)", naiveShop()).seed(seed).build().run();
        return new DemoResult.Churn(exstate, naive);
    }

    /**
     * The churn check the demo runs on a shop: 2 to 4 replicas, {@value #CHURN_USERS} users adding
     * cart items (a new session after 20, below the cart's limit), uploading files of up to 8 KiB
     * and reading the flags, readiness polled on {@code /health/ready}, {@value #CHURN_EVENTS}
     * scale events in {@link #CHURN_DURATION}. Set the seed before building.
     */
    public static ChurnCheck.Builder churnCheck(String name, ReplicaFactory factory) {
        return ChurnCheck.builder(factory)
                .name(name)
                .replicas(2, 4)
                .users(CHURN_USERS)
                .duration(CHURN_DURATION)
                .events(CHURN_EVENTS)
                .sessionWrite(item -> Step.post("/cart/items", item), Step.get("/cart"))
                .upload(bytes -> Step.post("/files", bytes).capture("fileId", "^([0-9a-f]{64})$"), Step.get("/files/{{fileId}}"))
                .read(Step.get("/flags"))
                .readinessPath("/health/ready")
                .writesPerSession(20)
                .maxUploadBytes(8 * 1024)
                .thinkTime(Duration.ofMillis(20))
                .requestTimeout(Duration.ofSeconds(10))
                .startTimeout(Duration.ofSeconds(30));
    }

    /**
     * Runs the check against both shops, and with etcd the live config change. Backends are not
     * probed first: an unreachable one makes a replica fail to start ({@link IllegalStateException}).
     */
    public static DemoResult runChecks(DemoOptions options) {
        Backends backends = new Backends(options);
        StatelessnessReport exstate = check(shopName(backends), exstateShop(backends));
        StatelessnessReport naive = check("NaiveShopService (state in the process)", naiveShop());
        Optional<DemoResult.LiveChange> live = backends.hasEtcd() ? Optional.of(liveConfigChange(backends)) : Optional.empty();
        return new DemoResult(exstate, naive, live);
    }

    private static String shopName(Backends backends) {
        return backends.anyRemote() ? "ShopService (exstate: " + backends.describe() + ")"
                : "ShopService (exstate, in-memory backend)";
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

    /**
     * Replicas of {@link ShopService} on the backends {@code options} name; a world is one
     * in-memory backend with the demo config, plus, with real backends, an app name of its own.
     */
    public static ReplicaFactory exstateShop(DemoOptions options) {
        return exstateShop(new Backends(options));
    }

    private static ReplicaFactory exstateShop(Backends backends) {
        return world -> {
            Backends.ShopWorld shopWorld = world.shared("shop-world", backends::newWorld);
            Backends.ShopReplica replica = shopWorld.startReplica();
            ShopService shop = replica.shop();
            return Replica.of(shop.baseUri(), () -> runs(shop.reportTicks()), replica, replica::kill);
        };
    }

    /**
     * Replicas of {@link NaiveShopService}: a world is only the config map each replica reads once.
     * Killing one closes it: what it kept in the process dies with it either way.
     */
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
     * Starts two replicas in a world of their own, reads {@code GET /flags} from each, changes
     * {@link #LIVE_KEY} where their config lives, and waits up to {@link #LIVE_DEADLINE} until
     * both answer the new value, without restarting either.
     *
     * @throws IllegalStateException if a replica cannot start
     */
    static DemoResult.LiveChange liveConfigChange(Backends backends) {
        String expected = new ShopService.Flags(Optional.of(Boolean.parseBoolean(LIVE_VALUE)),
                Optional.of(Integer.parseInt(CONFIG.get("shop.discount-percent")))).render();
        List<Backends.ShopReplica> replicas = new ArrayList<>();
        try (Backends.ShopWorld world = backends.newWorld()) {
            try {
                for (int i = 0; i < 2; i++) {
                    replicas.add(world.startReplica());
                }
            } catch (Exception e) {
                throw new IllegalStateException("live config change: a replica did not start: " + e.getMessage(), e);
            }
            List<String> before = replicas.stream().map(r -> flags(r.shop().baseUri())).toList();
            long start = System.nanoTime();
            world.putConfig(LIVE_KEY, LIVE_VALUE);
            long deadline = start + LIVE_DEADLINE.toNanos();
            List<String> after = replicas.stream().map(r -> flags(r.shop().baseUri())).toList();
            while (!after.stream().allMatch(expected::equals) && System.nanoTime() < deadline) {
                sleep(Duration.ofMillis(50));
                after = replicas.stream().map(r -> flags(r.shop().baseUri())).toList();
            }
            boolean reached = after.stream().allMatch(expected::equals);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            return new DemoResult.LiveChange(world.configLocation(), LIVE_KEY, CONFIG.get(LIVE_KEY), LIVE_VALUE, before, after,
                    reached, took);
        } finally {
            for (int i = replicas.size() - 1; i >= 0; i--) {
                replicas.get(i).close();
            }
        }
    }

    /** The body of {@code GET /flags}, or what went wrong. */
    private static String flags(URI base) {
        try {
            HttpURLConnection c = (HttpURLConnection) base.resolve("/flags").toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            try {
                int status = c.getResponseCode();
                InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream();
                String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
                return status == 200 ? text : "HTTP " + status + " " + text.lines().findFirst().orElse("");
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return "no answer: " + e.getMessage();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the config change", e);
        }
    }
}
