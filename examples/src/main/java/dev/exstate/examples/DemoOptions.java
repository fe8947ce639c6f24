package dev.exstate.examples;

import java.util.Map;
import java.util.Objects;

/**
 * The demo's command line ({@link #USAGE} describes it), immutable; made by {@link #parse}.
 * Backend options are {@code null} when not given; the S3 keys come from
 * {@code --s3-access-key}/{@code --s3-secret-key} or the environment. The secret key has no
 * public accessor and is left out of {@link #equals}, {@link #hashCode()} and {@link #toString()},
 * which shows no credentials at all.
 */
public final class DemoOptions {
    /** Environment variable the S3 access key is read from when the flags do not give it. */
    public static final String ENV_S3_ACCESS_KEY = "EXSTATE_S3_ACCESS_KEY";
    /** Environment variable the S3 secret key is read from when the flags do not give it. */
    public static final String ENV_S3_SECRET_KEY = "EXSTATE_S3_SECRET_KEY";
    /** The bucket when {@code --s3} is given without {@code --bucket}. */
    public static final String DEFAULT_BUCKET = "exstate-demo";

    /** The text {@code --help} prints, and a bad command line after its error. */
    public static final String USAGE = String.join("\n",
            "usage: Demo [--redis URI] [--etcd URL] [--s3 URL [--bucket NAME] [--s3-region REGION]",
            "            [--s3-access-key KEY --s3-secret-key KEY]] [--churn [--seed N]] [--help]",
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
            "  --churn              run the churn check instead (no live config change): 4 users for 15 s",
            "                       while an autoscaler adds, removes and kills replicas (2 to 4); it",
            "                       reports lost cart items, lost uploads, duplicate job ticks, failed",
            "                       requests and readiness flaps",
            "  --seed N             the churn's seed (default random; the report prints it), to repeat",
            "                       the same scale events and requests",
            "  --help               show this text",
            "  With a real backend every group of replicas uses its own app name (shop-<random hex>) and",
            "  so its own keys; its etcd keys and S3 objects are removed at the end, its Redis sessions",
            "  expire after 10 minutes.",
            "exit code: 0 if ShopService passed and NaiveShopService failed on sessions, files and",
            "           the timer (and, with --etcd, the flag change reached both replicas); 1 otherwise",
            "           or if a backend cannot be reached; 2 on a bad command line");

    private final boolean help;
    private final boolean churn;
    private final Long seed;
    private final String redis;
    private final String etcd;
    private final String s3;
    private final String bucket;
    private final String s3Region;
    private final String s3AccessKey;
    private final String s3SecretKey;

    private DemoOptions(boolean help, boolean churn, Long seed, String redis, String etcd, String s3, String bucket,
                        String s3Region, String s3AccessKey, String s3SecretKey) {
        this.help = help;
        this.churn = churn;
        this.seed = seed;
        this.redis = redis;
        this.etcd = etcd;
        this.s3 = s3;
        this.bucket = bucket;
        this.s3Region = s3Region;
        this.s3AccessKey = s3AccessKey;
        this.s3SecretKey = s3SecretKey;
    }

    /** No backend: every replica group shares an in-memory one. */
    public static DemoOptions defaults() {
        return new DemoOptions(false, false, null, null, null, null, null, null, null, null);
    }

    /** The churn check on in-memory backends, with {@code seed}. */
    public static DemoOptions churn(long seed) {
        return new DemoOptions(false, true, seed, null, null, null, null, null, null, null);
    }

    /** Whether to show the usage. */
    public boolean help() {
        return help;
    }

    /** Whether to run the churn check instead of the statelessness check. */
    public boolean churn() {
        return churn;
    }

    /** The churn check's seed, or {@code null} for a random one. */
    public Long seed() {
        return seed;
    }

    /** Redis URI for sessions and leases, or {@code null}. */
    public String redis() {
        return redis;
    }

    /** etcd endpoint(s), comma-separated, for config, or {@code null}. */
    public String etcd() {
        return etcd;
    }

    /** S3 endpoint URL for blobs, or {@code null}. */
    public String s3() {
        return s3;
    }

    /** S3 bucket ({@value #DEFAULT_BUCKET} when {@link #s3()} is given without one), or {@code null}. */
    public String bucket() {
        return bucket;
    }

    /** S3 signing region, or {@code null} for the default. */
    public String s3Region() {
        return s3Region;
    }

    /** S3 access key, or {@code null} for anonymous access. */
    public String s3AccessKey() {
        return s3AccessKey;
    }

    /** S3 secret key, or {@code null}: for {@code Backends} to build the S3 options, and for nothing else. */
    String s3SecretKey() {
        return s3SecretKey;
    }

    /**
     * Parses {@code args} (no environment: S3 keys only from the flags).
     *
     * @throws IllegalArgumentException naming the offending argument
     */
    public static DemoOptions parse(String... args) {
        return parse(Map.of(), args);
    }

    /**
     * Parses {@code args}; {@code env} supplies {@value #ENV_S3_ACCESS_KEY} and
     * {@value #ENV_S3_SECRET_KEY} when the flags do not. Backend addresses are checked here, so
     * a malformed one is a bad command line.
     *
     * @throws IllegalArgumentException naming the offending argument (never a secret)
     */
    public static DemoOptions parse(Map<String, String> env, String... args) {
        boolean help = false;
        boolean churn = false;
        Long seed = null;
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
                case "--churn" -> {
                    if (value != null) {
                        throw new IllegalArgumentException("option --churn takes no value");
                    }
                    churn = true;
                }
                case "--redis", "--etcd", "--s3", "--bucket", "--s3-region", "--s3-access-key", "--s3-secret-key", "--seed" -> {
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
                        case "--seed" -> seed = Long.valueOf(once(name, seed == null ? null : seed.toString(), seed(value)));
                        default -> secretKey = once(name, secretKey, value);
                    }
                }
                default -> throw new IllegalArgumentException(arg.startsWith("-")
                        ? "unknown option '" + name + "'" : "unexpected argument '" + arg + "'");
            }
        }
        if (seed != null && !churn) {
            throw new IllegalArgumentException("--seed needs --churn");
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
        DemoOptions options = new DemoOptions(help, churn, seed, redis, etcd, s3, bucket, region, accessKey, secretKey);
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

    private static String seed(String value) {
        try {
            return Long.toString(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed needs a whole number (a long), was '" + value + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Equal if every option but the secret key is equal. */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof DemoOptions d && help == d.help && churn == d.churn && Objects.equals(seed, d.seed)
                && Objects.equals(redis, d.redis)
                && Objects.equals(etcd, d.etcd) && Objects.equals(s3, d.s3) && Objects.equals(bucket, d.bucket)
                && Objects.equals(s3Region, d.s3Region) && Objects.equals(s3AccessKey, d.s3AccessKey);
    }

    /** A hash of every option but the secret key. */
    @Override
    public int hashCode() {
        return Objects.hash(help, churn, seed, redis, etcd, s3, bucket, s3Region, s3AccessKey);
    }

    /** The options without credentials. */
    @Override
    public String toString() {
        return "DemoOptions[help=" + help
                + (churn ? ", churn" + (seed != null ? ", seed=" + seed : "") : "")
                + (redis != null ? ", redis=" + Backends.withoutUserInfo(redis) : "")
                + (etcd != null ? ", etcd=" + etcd : "")
                + (s3 != null ? ", s3=" + s3 + ", bucket=" + bucket + (s3Region != null ? ", region=" + s3Region : "")
                + ", credentials=" + (s3AccessKey != null ? "****" : "none") : "")
                + "]";
    }
}
