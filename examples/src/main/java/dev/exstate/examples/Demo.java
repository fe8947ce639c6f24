package dev.exstate.examples;

import dev.exstate.testkit.stateless.JobRun;
import dev.exstate.testkit.stateless.Replica;
import dev.exstate.testkit.stateless.ReplicaFactory;
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
    static final String ENV_S3_ACCESS_KEY = "EXSTATE_S3_ACCESS_KEY";
    static final String ENV_S3_SECRET_KEY = "EXSTATE_S3_SECRET_KEY";
    static final String DEFAULT_BUCKET = "exstate-demo";

    static final String USAGE = String.join("\n",
            "usage: Demo [--redis URI] [--etcd URL] [--s3 URL [--bucket NAME] [--s3-region REGION]",
            "            [--s3-access-key KEY --s3-secret-key KEY]] [--help]",
            "  Runs the statelessness check (2 replicas, round-robin, compared with 1 fresh replica)",
            "  against ShopService (state in exstate) and NaiveShopService (state in the process), and",
            "  prints both reports. Without options ShopService's replicas share an in-memory backend.",
            "  --redis URI          sessions and leases in Redis, e.g. redis://127.0.0.1:6379",
            "                       (rediss:// for TLS; redis://:PASSWORD@host:port for a password)",
            "  --etcd URL           feature flags from etcd, e.g. http://127.0.0.1:2379 (several: comma-",
            "                       separated); after the check, shop.discount is flipped in etcd and two",
            "                       running replicas must both answer the new value without a restart",
            "  --s3 URL             uploaded files in S3 / MinIO, e.g. http://127.0.0.1:9000",
            "  --bucket NAME        the bucket (default " + DEFAULT_BUCKET + "; created if missing)",
            "  --s3-region REGION   signing region (default us-east-1)",
            "  --s3-access-key KEY  credentials; better from the environment (" + ENV_S3_ACCESS_KEY + ",",
            "  --s3-secret-key KEY  " + ENV_S3_SECRET_KEY + "), as a command line is visible to others",
            "  --help               show this text",
            "  With a real backend every group of replicas uses its own app name (shop-<random hex>) and",
            "  so its own keys; its etcd keys and S3 objects are removed at the end, its Redis sessions",
            "  expire after 10 minutes.",
            "exit code: 0 if ShopService passed and NaiveShopService failed on sessions, files and",
            "           the timer (and, with --etcd, the flag change reached both replicas); 1 otherwise",
            "           or if a backend cannot be reached; 2 on a bad command line");

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
        Options options;
        try {
            options = Options.parse(System.getenv(), args);
        } catch (IllegalArgumentException e) {
            err.println("demo: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options.help()) {
            out.println(USAGE);
            return 0;
        }
        Backends backends = new Backends(options);
        try {
            backends.probe();
        } catch (Backends.BackendUnreachableException e) {
            err.println("demo: " + e.getMessage());
            return 1;
        }
        out.println("exstate demo: is the shop stateless? 2 replicas behind a round-robin balancer must answer");
        out.println("every request exactly as 1 replica alone, and the report job must run once per tick.");
        if (backends.anyRemote()) {
            out.println("ShopService keeps " + backends.describe() + ":");
            backends.addresses().forEach(a -> out.println("  " + a));
        }
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
        result.liveChange().ifPresent(live -> out.println(live.render()));
        out.println(result.summary());
        return result.asExpected() ? 0 : 1;
    }

    /**
     * Runs the check against both shops, and with etcd the live config change. Backends are not
     * probed first: an unreachable one makes a replica fail to start ({@link IllegalStateException}).
     */
    public static Result runChecks(Options options) {
        Backends backends = new Backends(options);
        StatelessnessReport exstate = check(shopName(backends), exstateShop(backends));
        StatelessnessReport naive = check("NaiveShopService (state in the process)", naiveShop());
        Optional<LiveChange> live = backends.hasEtcd() ? Optional.of(liveConfigChange(backends)) : Optional.empty();
        return new Result(exstate, naive, live);
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
    public static ReplicaFactory exstateShop(Options options) {
        return exstateShop(new Backends(options));
    }

    private static ReplicaFactory exstateShop(Backends backends) {
        return world -> {
            Backends.ShopWorld shopWorld = world.shared("shop-world", backends::newWorld);
            Backends.ShopReplica replica = shopWorld.startReplica();
            ShopService shop = replica.shop();
            return Replica.of(shop.baseUri(), () -> runs(shop.reportTicks()), replica);
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
     * Starts two replicas in a world of their own, reads {@code GET /flags} from each, changes
     * {@link #LIVE_KEY} where their config lives, and waits up to {@link #LIVE_DEADLINE} until
     * both answer the new value, without restarting either.
     *
     * @throws IllegalStateException if a replica cannot start
     */
    static LiveChange liveConfigChange(Backends backends) {
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
            return new LiveChange(world.configLocation(), LIVE_KEY, CONFIG.get(LIVE_KEY), LIVE_VALUE, before, after,
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

    /**
     * The command line. Backend options are {@code null} when not given; the S3 keys come from
     * {@code --s3-access-key}/{@code --s3-secret-key} or the environment. {@link #toString()}
     * never shows the secret key.
     *
     * @param help        show the usage
     * @param redis       Redis URI for sessions and leases
     * @param etcd        etcd endpoint(s), comma-separated, for config
     * @param s3          S3 endpoint URL for blobs
     * @param bucket      S3 bucket (default {@value Demo#DEFAULT_BUCKET} when {@code s3} is given)
     * @param s3Region    S3 signing region, or {@code null} for the default
     * @param s3AccessKey S3 access key, or {@code null} for anonymous access
     * @param s3SecretKey S3 secret key, or {@code null}
     */
    public record Options(boolean help, String redis, String etcd, String s3, String bucket, String s3Region,
                          String s3AccessKey, String s3SecretKey) {
        public static Options defaults() {
            return new Options(false, null, null, null, null, null, null, null);
        }

        /**
         * Parses {@code args} (no environment: S3 keys only from the flags).
         *
         * @throws IllegalArgumentException naming the offending argument
         */
        public static Options parse(String... args) {
            return parse(Map.of(), args);
        }

        /**
         * Parses {@code args}; {@code env} supplies {@value Demo#ENV_S3_ACCESS_KEY} and
         * {@value Demo#ENV_S3_SECRET_KEY} when the flags do not. Backend addresses are checked here, so
         * a malformed one is a bad command line.
         *
         * @throws IllegalArgumentException naming the offending argument (never a secret)
         */
        public static Options parse(Map<String, String> env, String... args) {
            boolean help = false;
            String redis = null;
            String etcd = null;
            String s3 = null;
            String bucket = null;
            String region = null;
            String accessKey = null;
            String secretKey = null;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                switch (name) {
                    case "--help", "-h" -> {
                        if (value != null) {
                            throw new IllegalArgumentException("option " + name + " takes no value");
                        }
                        help = true;
                    }
                    case "--redis", "--etcd", "--s3", "--bucket", "--s3-region", "--s3-access-key", "--s3-secret-key" -> {
                        if (value == null) {
                            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                                throw new IllegalArgumentException("option " + name + " needs a value");
                            }
                            value = args[++i];
                        }
                        if (value.isBlank()) {
                            throw new IllegalArgumentException("option " + name + " needs a non-blank value");
                        }
                        switch (name) {
                            case "--redis" -> redis = once(name, redis, value);
                            case "--etcd" -> etcd = once(name, etcd, value);
                            case "--s3" -> s3 = once(name, s3, value);
                            case "--bucket" -> bucket = once(name, bucket, value);
                            case "--s3-region" -> region = once(name, region, value);
                            case "--s3-access-key" -> accessKey = once(name, accessKey, value);
                            default -> secretKey = once(name, secretKey, value);
                        }
                    }
                    default -> throw new IllegalArgumentException(arg.startsWith("-")
                            ? "unknown option '" + name + "'" : "unexpected argument '" + arg + "'");
                }
            }
            if (s3 == null) {
                if (bucket != null || region != null || accessKey != null || secretKey != null) {
                    throw new IllegalArgumentException("--bucket, --s3-region and the S3 keys need --s3 URL");
                }
            } else {
                bucket = bucket != null ? bucket : DEFAULT_BUCKET;
                accessKey = accessKey != null ? accessKey : blankToNull(env.get(ENV_S3_ACCESS_KEY));
                secretKey = secretKey != null ? secretKey : blankToNull(env.get(ENV_S3_SECRET_KEY));
                if ((accessKey == null) != (secretKey == null)) {
                    throw new IllegalArgumentException("S3 needs both an access key and a secret key (--s3-access-key/"
                            + ENV_S3_ACCESS_KEY + " and --s3-secret-key/" + ENV_S3_SECRET_KEY + "), or neither");
                }
            }
            Options options = new Options(help, redis, etcd, s3, bucket, region, accessKey, secretKey);
            if (!help) {
                options.check();
            }
            return options;
        }

        /** Builds each backend's options once, so their validation speaks for the command line. */
        private void check() {
            if (redis != null) {
                rethrow("--redis", () -> Backends.redisOptions(redis));
            }
            if (etcd != null) {
                rethrow("--etcd", () -> Backends.etcdOptions(etcd));
            }
            if (s3 != null) {
                rethrow("--s3", () -> Backends.s3Options(this));
            }
        }

        private static void rethrow(String option, Runnable build) {
            try {
                build.run();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage());
            }
        }

        private static String once(String name, String previous, String value) {
            if (previous != null) {
                throw new IllegalArgumentException("option " + name + " given twice");
            }
            return value;
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }

        /** The options without credentials. */
        @Override
        public String toString() {
            return "Options[help=" + help
                    + (redis != null ? ", redis=" + Backends.withoutUserInfo(redis) : "")
                    + (etcd != null ? ", etcd=" + etcd : "")
                    + (s3 != null ? ", s3=" + s3 + ", bucket=" + bucket + (s3Region != null ? ", region=" + s3Region : "")
                    + ", credentials=" + (s3AccessKey != null ? "****" : "none") : "")
                    + "]";
        }
    }

    /**
     * The live config change: a flag changed where the replicas read config, and what two running
     * replicas answered on {@code GET /flags} before and after.
     *
     * @param where      where the config lives, e.g. {@code etcd keys /exstate/shop-1a2b3c4d/config/*}
     * @param key        the changed key
     * @param from       its value before
     * @param to         its value after
     * @param before     each replica's answer before the change
     * @param after      each replica's last answer after it
     * @param reachedAll every replica answered the new value within {@link Demo#LIVE_DEADLINE}
     * @param took       from the write to the last replica answering the new value (or to giving up)
     */
    public record LiveChange(String where, String key, String from, String to, List<String> before, List<String> after,
                             boolean reachedAll, Duration took) {
        public LiveChange {
            before = List.copyOf(before);
            after = List.copyOf(after);
        }

        /** A few lines for the console. */
        public String render() {
            StringBuilder out = new StringBuilder("Live config change: " + key + " " + from + " -> " + to + " in " + where
                    + ", with 2 replicas running\n");
            for (int i = 0; i < before.size(); i++) {
                out.append("  replica ").append(i).append(": before '").append(before.get(i)).append("', after '")
                        .append(after.get(i)).append("'\n");
            }
            out.append(reachedAll ? "  [PASS] both replicas answered the new value within " + took.toMillis()
                    + " ms, without a restart"
                    : "  [FAIL] not every replica answered the new value within " + took.toMillis() + " ms");
            return out.append('\n').toString();
        }
    }

    /**
     * Both verdicts, and the live config change when config comes from etcd.
     *
     * @param exstate    the report on {@link ShopService}
     * @param naive      the report on {@link NaiveShopService}
     * @param liveChange the live config change, run only with etcd
     */
    public record Result(StatelessnessReport exstate, StatelessnessReport naive, Optional<LiveChange> liveChange) {

        public Result(StatelessnessReport exstate, StatelessnessReport naive) {
            this(exstate, naive, Optional.empty());
        }

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

        /** True unless the live config change ran and did not reach every replica. */
        public boolean liveChangePassed() {
            return liveChange.map(LiveChange::reachedAll).orElse(true);
        }

        /**
         * What the demo sets out to show: exstate passes, the naive shop fails on all three, and a
         * live config change (if run) reaches every replica.
         */
        public boolean asExpected() {
            return exstate.passed() && naiveFailsOnSessions() && naiveFailsOnFiles() && naiveFailsOnTimer()
                    && liveChangePassed();
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
            String livePart = liveChange.map(l -> l.reachedAll() ? "; live config change reached both replicas"
                    : "; live config change did NOT reach both replicas").orElse("");
            return "Summary: ShopService " + (exstate.passed() ? "PASS" : "FAIL") + "; " + naivePart + livePart
                    + (asExpected() ? " -- as expected: state belongs outside the process."
                    : " -- NOT as expected (the demo wants ShopService to pass and the naive one to fail on sessions, files and timer"
                    + (liveChange.isPresent() ? ", and the config change to reach both replicas" : "") + ").");
        }
    }
}
