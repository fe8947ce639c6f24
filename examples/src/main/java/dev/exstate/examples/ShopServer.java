package dev.exstate.examples;

import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ShopService} as a server process, one replica per container: it listens on
 * {@code 0.0.0.0:$PORT} and takes its backends from the environment, so a Kubernetes Deployment
 * configures it with a ConfigMap and a Secret (see {@code examples/k8s/}).
 *
 * <table>
 *   <caption>Environment</caption>
 *   <tr><td>{@value #ENV_PORT}</td><td>HTTP port (default {@value #DEFAULT_PORT})</td></tr>
 *   <tr><td>{@value #ENV_APP}</td><td>app name, the namespace of every key (default {@code shop})</td></tr>
 *   <tr><td>{@value #ENV_REDIS_URI}</td><td>sessions and leases on Redis, e.g. {@code redis://redis:6379}</td></tr>
 *   <tr><td>{@value #ENV_REDIS_USERNAME}, {@value #ENV_REDIS_PASSWORD}</td><td>Redis ACL user (optional) and password</td></tr>
 *   <tr><td>{@value #ENV_ETCD_ENDPOINTS}</td><td>config from etcd, comma-separated URLs</td></tr>
 *   <tr><td>{@value #ENV_ETCD_USERNAME}, {@value #ENV_ETCD_PASSWORD}</td><td>etcd user and password (optional)</td></tr>
 *   <tr><td>{@value #ENV_S3_ENDPOINT}, {@value #ENV_S3_BUCKET}, {@value #ENV_S3_REGION}</td><td>uploads in S3 / MinIO</td></tr>
 *   <tr><td>{@value DemoOptions#ENV_S3_ACCESS_KEY}, {@value DemoOptions#ENV_S3_SECRET_KEY}</td><td>S3 credentials</td></tr>
 *   <tr><td>{@value StateRuntime#REQUIRE_SHARED_BACKENDS_ENV}</td><td>{@code true}: refuse to start with a capability in memory</td></tr>
 * </table>
 * A capability whose variable is unset stays in this process's memory (fine for one replica on a
 * laptop; the runtime's readiness says so).
 *
 * <p>On SIGTERM it shuts down in the order scale-in needs, within {@link #SHUTDOWN_BUDGET}:
 * readiness turns false, the HTTP server refuses new connections and lets requests in progress
 * finish (up to {@link #HTTP_DRAIN}), the report job stops (a run in progress gets
 * {@link #JOB_GRACE}), leases are released, the stores close, then the backend clients.
 * A Deployment's {@code terminationGracePeriodSeconds} must cover its {@code preStop} plus
 * {@link #SHUTDOWN_BUDGET}; {@code K8sManifestsTest} checks that it does.
 */
public final class ShopServer {
    public static final String ENV_PORT = "PORT";
    public static final String ENV_APP = "EXSTATE_APP";
    public static final String ENV_REDIS_URI = "EXSTATE_REDIS_URI";
    public static final String ENV_REDIS_USERNAME = "EXSTATE_REDIS_USERNAME";
    public static final String ENV_REDIS_PASSWORD = "EXSTATE_REDIS_PASSWORD";
    public static final String ENV_ETCD_ENDPOINTS = "EXSTATE_ETCD_ENDPOINTS";
    public static final String ENV_ETCD_USERNAME = "EXSTATE_ETCD_USERNAME";
    public static final String ENV_ETCD_PASSWORD = "EXSTATE_ETCD_PASSWORD";
    public static final String ENV_S3_ENDPOINT = "EXSTATE_S3_ENDPOINT";
    public static final String ENV_S3_BUCKET = "EXSTATE_S3_BUCKET";
    public static final String ENV_S3_REGION = "EXSTATE_S3_REGION";
    public static final int DEFAULT_PORT = 8080;
    /** Liveness probe path: answers from this process alone, never asks a backend. */
    public static final String LIVENESS_PATH = "/health/live";
    /** Readiness probe path: DOWN while a required backend's breaker is open, before the first config, and from shutdown on. */
    public static final String READINESS_PATH = "/health/ready";
    /** Period of the shop's report job on a server. */
    public static final Duration REPORT_PERIOD = Duration.ofMinutes(1);

    /** On shutdown, how long requests in progress may take to be answered (whole seconds). */
    public static final Duration HTTP_DRAIN = Duration.ofSeconds(5);
    /** On shutdown, how long a report job run in progress may take before it is interrupted. */
    public static final Duration JOB_GRACE = Duration.ofSeconds(5);
    /** The scheduler's wait for interrupted jobs to return after {@link #JOB_GRACE} (LeasedScheduler#close: "about a second"). */
    static final Duration JOB_INTERRUPT_WAIT = Duration.ofSeconds(1);
    /** Releasing the leases held: one guarded call each, bounded by the guard's total timeout. */
    static final Duration LEASE_RELEASE = GuardPolicy.defaults().totalTimeout();
    /** Closing the Redis (Lettuce: up to 2 s quiet period, 3 s at most), etcd and S3 clients. */
    static final Duration CLIENTS_CLOSE = Duration.ofSeconds(5);
    /**
     * The longest a SIGTERM takes to turn into an exit: the sum of the steps above. A pod's grace
     * period must be at least its {@code preStop} plus this.
     */
    public static final Duration SHUTDOWN_BUDGET = HTTP_DRAIN.plus(JOB_GRACE).plus(JOB_INTERRUPT_WAIT).plus(LEASE_RELEASE)
            .plus(CLIENTS_CLOSE);

    private static final Logger LOG = LoggerFactory.getLogger(ShopServer.class);

    private final StateRuntime runtime;
    private final ShopService shop;
    private final Deque<AutoCloseable> clients;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ShopServer(StateRuntime runtime, ShopService shop, Deque<AutoCloseable> clients) {
        this.runtime = runtime;
        this.shop = shop;
        this.clients = clients;
    }

    public static void main(String[] args) throws Exception {
        ShopServer server;
        try {
            server = start(System.getenv());
        } catch (RuntimeException e) {
            // a bad variable, a missing capability, a backend that did not answer: one line, no credentials
            System.err.println("shop: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "shop-shutdown"));
        server.stopped.await();
    }

    /**
     * Connects to the backends {@code env} names and starts the shop on {@code 0.0.0.0:$PORT}.
     *
     * @throws IllegalArgumentException naming the variable whose value is not usable
     * @throws IllegalStateException    if a required capability is not configured
     * @throws RuntimeException         what a backend's {@code connect} threw: it did not answer within its
     *                                  start-up timeout ({@code StateUnavailableException}) or refused the
     *                                  credentials ({@code StateAccessDeniedException})
     */
    public static ShopServer start(Map<String, String> env) throws java.io.IOException {
        int port = port(env);
        String app = env.getOrDefault(ENV_APP, "shop");
        Deque<AutoCloseable> clients = new ArrayDeque<>(); // closed last in, first out
        StateRuntime runtime = null;
        try {
            StateRuntime.Builder b = StateRuntime.builder(app)
                    .scheduler(s -> s.shutdownGrace(JOB_GRACE));
            List<String> where = new ArrayList<>();
            String redisUri = blankToNull(env.get(ENV_REDIS_URI));
            if (redisUri != null) {
                RedisOptions.Builder o = Backends.redisOptions(redisUri).toBuilder();
                String password = blankToNull(env.get(ENV_REDIS_PASSWORD));
                if (password != null) {
                    o.credentials(blankToNull(env.get(ENV_REDIS_USERNAME)), password);
                }
                RedisState redis = RedisState.connect(o.build());
                clients.push(redis);
                b.sessions(redis.sessions(SessionOptions.defaults())).leases(redis.leases());
                where.add("sessions and leases on Redis " + Backends.withoutUserInfo(redisUri));
            }
            String etcdEndpoints = blankToNull(env.get(ENV_ETCD_ENDPOINTS));
            if (etcdEndpoints != null) {
                EtcdOptions.Builder o = EtcdOptions.builder(Arrays.stream(etcdEndpoints.split(",")).map(String::strip).toList());
                String user = blankToNull(env.get(ENV_ETCD_USERNAME));
                if (user != null) {
                    o.credentials(user, env.getOrDefault(ENV_ETCD_PASSWORD, ""));
                }
                EtcdState etcd = EtcdState.connect(o.build());
                clients.push(etcd);
                b.config(etcd.config(ConfigValidator.acceptAll()));
                where.add("config on etcd " + etcdEndpoints);
            }
            String s3 = blankToNull(env.get(ENV_S3_ENDPOINT));
            if (s3 != null) {
                S3Options o = S3Options.builder()
                        .endpoint(s3)
                        .region(blankToNull(env.get(ENV_S3_REGION)))
                        .credentials(blankToNull(env.get(DemoOptions.ENV_S3_ACCESS_KEY)), blankToNull(env.get(DemoOptions.ENV_S3_SECRET_KEY)))
                        .bucket(env.getOrDefault(ENV_S3_BUCKET, app + "-files"))
                        .build();
                b.blobs(S3BlobStore.blobs(o));
                where.add("blobs on S3 " + s3 + " (bucket " + o.bucket() + ")");
            }
            runtime = b.build();
            ShopService shop = ShopService.start(runtime, REPORT_PERIOD, new InetSocketAddress("0.0.0.0", port));
            LOG.info("shop '{}' listening on port {}; {}", app, shop.baseUri().getPort(), where.isEmpty() ? "all state in memory" : String.join(", ", where));
            return new ShopServer(runtime, shop, clients);
        } catch (RuntimeException | java.io.IOException e) {
            close(runtime, clients);
            throw e;
        }
    }

    /** The port the shop listens on. */
    public int port() {
        return shop.baseUri().getPort();
    }

    /** The runtime the shop's state lives in. */
    public StateRuntime runtime() {
        return runtime;
    }

    /** Shuts down in the order of the class comment; returns when done. Idempotent. */
    public void stop() {
        if (stopped.getCount() == 0) {
            return;
        }
        long start = System.nanoTime();
        try {
            runtime.health().startDraining();
            shop.close(HTTP_DRAIN);
            close(runtime, clients);
        } finally {
            LOG.info("shop stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
            stopped.countDown();
        }
    }

    /** The runtime first (it still needs the clients to release leases), then the backend clients. */
    private static void close(StateRuntime runtime, Deque<AutoCloseable> clients) {
        if (runtime != null) {
            runtime.close();
        }
        while (!clients.isEmpty()) {
            AutoCloseable client = clients.pop();
            try {
                client.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", client, e.toString());
            }
        }
    }

    private static int port(Map<String, String> env) {
        String v = blankToNull(env.get(ENV_PORT));
        if (v == null) {
            return DEFAULT_PORT;
        }
        try {
            int p = Integer.parseInt(v.strip());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(ENV_PORT + " must be a port number 0..65535, was '" + v + "'");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
