package dev.exstate.testkit.backend;

import dev.exstate.internal.Check;
import dev.exstate.testkit.internal.TempDirs;
import dev.exstate.testkit.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code etcd} (3.4+) child process on free 127.0.0.1 client and peer ports, single member
 * unless created by {@link EtcdCluster}.
 *
 * <pre>{@code
 * try (EtcdServer etcd = EtcdServer.builder().start()) {
 *     etcd.etcdctl("put", "k", "v").requireSuccess();
 *     etcd.kill();
 *     etcd.restart();            // same ports, same data directory
 *     etcd.get("k");             // Optional[v]
 * }
 * }</pre>
 *
 * <p>Ready means: {@code GET /health} answers {@code "health":"true"}, which needs an elected
 * leader. The member keeps its data directory across {@link #restart()}; etcd then ignores the
 * initial-cluster flags and recovers from its WAL. Thread-safe; see {@link BackendProcess} for the
 * controls.
 *
 * <p>With {@link Builder#tls(TestCertificates, boolean)} the client URL is {@code https://} (peers
 * still talk plain HTTP on loopback; requiring client certificates is {@code --client-cert-auth})
 * and every helper here (readiness, status, {@link #get}, {@link #put}, {@link #etcdctl}) uses TLS,
 * presenting the client certificate. With {@link Builder#authentication(String)} the first start
 * creates the {@code root} user and role and enables authentication; the helpers then act as
 * root, and {@link #auth()} adds the users and roles a test needs.
 */
public final class EtcdServer extends BackendProcess<EtcdServer> {
    static final String DEBIAN_PACKAGES = "etcd-server etcd-client";
    private static final String HOST = "127.0.0.1";
    private static final Duration ETCDCTL_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern RAFT_TERM = Pattern.compile("\"raft_term\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern VALUE = Pattern.compile("\"value\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern CREATE_REVISION = Pattern.compile("\"create_revision\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]*)\"");

    private final String name;
    private final Duration heartbeatInterval;
    private final Duration electionTimeout;
    private final List<String> extraArgs;
    private final boolean clusterMember;
    private final String clusterToken;
    private final Security security;
    private volatile int clientPort;
    private volatile int peerPort;
    private volatile String initialCluster;

    private EtcdServer(Builder b) {
        super("etcd", b.binary != null ? b.binary : Binaries.require("etcd", DEBIAN_PACKAGES), b.startTimeout);
        this.name = b.name;
        this.heartbeatInterval = b.heartbeatInterval;
        this.electionTimeout = b.electionTimeout;
        this.extraArgs = List.copyOf(b.extraArgs);
        this.clusterMember = b.clusterToken != null;
        // a unique token keeps members of different test clusters apart when ports get reused
        this.clusterToken = clusterMember ? b.clusterToken : "exstate-" + UUID.randomUUID();
        this.security = b.security.copy(b.tls, b.requireClientCertificates);
        if (clusterMember && (security.tls != null || security.rootPassword != null)) {
            throw new IllegalArgumentException("TLS and authentication are not supported for cluster members");
        }
        if (!clusterMember) {
            assignSinglePorts();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True if {@code etcd} can be found (PATH or {@code -Dexstate.bin.etcd}). */
    public static boolean isInstalled() {
        return Binaries.lookup("etcd").isPresent();
    }

    @Override
    public EtcdServer start() {
        synchronized (this) {
            super.start();
            if (security.rootPassword != null && !security.authEnabled) {
                enableAuthentication();
            }
        }
        return this;
    }

    /** The member name ({@code --name}). */
    public String name() {
        return name;
    }

    public int clientPort() {
        return clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    /** The client URL, {@code http://127.0.0.1:<clientPort>} ({@code https://} with TLS). */
    public String endpoint() {
        return (security.tls != null ? "https://" : "http://") + HOST + ":" + clientPort;
    }

    /** True if clients must use TLS (see {@link Builder#tls(TestCertificates, boolean)}). */
    public boolean isTls() {
        return security.tls != null;
    }

    /**
     * Adds users and roles; the server must be built with {@link Builder#authentication(String)}
     * and started.
     *
     * @throws IllegalStateException if authentication is not configured
     */
    public Auth auth() {
        if (security.rootPassword == null) {
            throw new IllegalStateException("etcd at " + endpoint() + " was built without authentication");
        }
        return new Auth();
    }

    /** The peer URL, {@code http://127.0.0.1:<peerPort>}. */
    public String peerUrl() {
        return "http://" + HOST + ":" + peerPort;
    }

    /** True if {@code GET /health} says healthy within {@code timeout}; never throws. */
    public boolean isHealthy(Duration timeout) {
        try {
            return Http.get(security.http, endpoint() + "/health", timeout).replace(" ", "")
                    .contains("\"health\":\"true\"");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * This member's view of the cluster from {@code POST /v3/maintenance/status}.
     *
     * @throws UncheckedIOException if the member does not answer within {@code timeout}
     */
    public Status status(Duration timeout) {
        String body;
        try {
            body = Http.postJson(security.http, endpoint() + "/v3/maintenance/status", "{}", timeout, authHeader());
        } catch (IOException e) {
            throw new UncheckedIOException("etcd status of " + name + " at " + endpoint() + " failed: " + e, e);
        }
        return new Status(field(MEMBER_ID, body), field(LEADER, body),
                Long.parseLong(field(RAFT_TERM, body)), Long.parseLong(field(REVISION, body)));
    }

    /**
     * Runs {@code etcdctl} (API v3) against this member: {@code etcdctl("get", "k")}. Remember that
     * {@code etcdctl endpoint health} prints its verdict on stderr.
     */
    public CommandResult etcdctl(String... args) {
        if (security.tls == null && security.rootPassword == null) {
            return runEtcdctl(endpoint(), args);
        }
        List<String> all = new ArrayList<>();
        Map<String, String> env = new HashMap<>();
        if (security.tls != null) {
            all.add("--cacert=" + security.tls.caCertificate());
            all.add("--cert=" + security.tls.clientCertificate());
            all.add("--key=" + security.tls.clientKey());
        }
        if (security.rootPassword != null && security.authEnabled) {
            // in the environment, not on the command line, where every process could read it
            env.put("ETCDCTL_USER", "root:" + security.rootPassword);
        }
        all.addAll(List.of(args));
        return runEtcdctl(endpoint(), env, all.toArray(String[]::new));
    }

    /**
     * Adds etcd user {@code user} with {@code password}, and a role of the same name that may read
     * and write the keys under {@code prefix}. Call it before {@link #enableAuth}.
     */
    public void addUser(String user, String password, String prefix) {
        etcdctl("user", "add", user, "--new-user-password=" + password).requireSuccess();
        etcdctl("role", "add", user).requireSuccess();
        etcdctl("role", "grant-permission", user, "--prefix=true", "readwrite", prefix).requireSuccess();
        etcdctl("user", "grant-role", user, user).requireSuccess();
    }

    /**
     * Turns on etcd authentication: adds user {@code root} with {@code rootPassword} (etcd needs
     * it before auth can be enabled) and enables auth. From then on etcd serves authenticated
     * clients only: {@link #etcdctl}, {@link #get} and {@link #put} no longer work on this member
     * (use {@link #etcdctlAs}); the health checks still do.
     */
    public void enableAuth(String rootPassword) {
        etcdctl("user", "add", "root", "--new-user-password=" + rootPassword).requireSuccess();
        etcdctl("auth", "enable").requireSuccess();
    }

    /** Runs {@code etcdctl} as {@code user} (after {@link #enableAuth}); the password is passed in the environment. */
    public CommandResult etcdctlAs(String user, String password, String... args) {
        return runEtcdctl(endpoint(), Map.of("ETCDCTL_USER", user + ":" + password), args);
    }

    /** Reads a key through the JSON gateway (a linearizable read), for white-box test asserts. */
    public Optional<String> get(String key) {
        String body = gateway("/v3/kv/range", "{\"key\":\"" + base64(key) + "\"}");
        if (!body.contains("\"kvs\"")) {
            return Optional.empty();
        }
        Matcher m = VALUE.matcher(body);
        // the gateway omits an empty value
        return Optional.of(m.find() ? new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8) : "");
    }

    /** The create revision of a key (what etcd lease holders use as a fencing token), read like {@link #get}. */
    public Optional<Long> createRevision(String key) {
        String body = gateway("/v3/kv/range", "{\"key\":\"" + base64(key) + "\"}");
        if (!body.contains("\"kvs\"")) {
            return Optional.empty();
        }
        Matcher m = CREATE_REVISION.matcher(body);
        return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }

    /** Writes a key through the JSON gateway. */
    public void put(String key, String value) {
        gateway("/v3/kv/put", "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}");
    }

    @Override
    public String toString() {
        return "EtcdServer[" + name + ", client " + endpoint() + ", peer " + peerUrl()
                + (security.tls != null && security.requireClientCertificates ? ", client certificates required" : "")
                + (security.rootPassword != null ? ", authentication" : "")
                + (isRunning() ? ", running" : ", not running") + (isPaused() ? ", paused" : "")
                + ", dir " + dataDir() + "]";
    }

    /**
     * One member's status: its id, the leader it follows ({@code "0"} when it knows none), the
     * raft term and the store revision.
     */
    public record Status(String memberId, String leaderId, long raftTerm, long revision) {
        public boolean isLeader() {
            return !"0".equals(memberId) && memberId.equals(leaderId);
        }
    }

    // ---- BackendProcess hooks ----

    @Override
    List<String> arguments() {
        List<String> args = new ArrayList<>(List.of(
                "--name", name,
                "--data-dir", etcdDataDir().toString(),
                "--listen-client-urls", endpoint(),
                "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peerUrl(),
                "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster", initialCluster,
                // ignored by etcd once the data dir holds a member, so restarts recover from the WAL
                "--initial-cluster-state", "new",
                "--initial-cluster-token", clusterToken,
                "--heartbeat-interval", Long.toString(heartbeatInterval.toMillis()),
                "--election-timeout", Long.toString(electionTimeout.toMillis()),
                "--logger", "zap",
                "--log-outputs", "stderr"));
        args.addAll(security.tlsArguments());
        args.addAll(extraArgs);
        return args;
    }

    @Override
    boolean probeReady(Duration timeout) {
        return isHealthy(timeout);
    }

    @Override
    boolean reassignPorts() {
        if (clusterMember) {
            return false;
        }
        // a half-started member may have written its first ports into the data dir
        TempDirs.deleteRecursively(etcdDataDir());
        assignSinglePorts();
        return true;
    }

    @Override
    String address() {
        return HOST + ":" + clientPort + " (peer " + peerPort + ")";
    }

    /** Sets ports chosen by {@link EtcdCluster}; only before the first successful start. */
    void assignClusterPorts(int client, int peer, String cluster) {
        TempDirs.deleteRecursively(etcdDataDir());
        this.clientPort = client;
        this.peerPort = peer;
        this.initialCluster = cluster;
    }

    static CommandResult runEtcdctl(String endpoints, String... args) {
        return runEtcdctl(endpoints, Map.of(), args);
    }

    private static CommandResult runEtcdctl(String endpoints, Map<String, String> environment, String... args) {
        Path etcdctl = Binaries.require("etcdctl", "etcd-client");
        List<String> command = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints=" + endpoints,
                "--dial-timeout=2s", "--command-timeout=5s"));
        command.addAll(List.of(args));
        Map<String, String> env = new java.util.HashMap<>(environment);
        env.put("ETCDCTL_API", "3");
        return Commands.run(command, env, ETCDCTL_TIMEOUT);
    }

    private void assignSinglePorts() {
        clientPort = FreePorts.next();
        peerPort = FreePorts.next();
        initialCluster = name + "=" + peerUrl();
    }

    private Path etcdDataDir() {
        return dataDir().resolve("etcd");
    }

    private String gateway(String path, String json) {
        try {
            return Http.postJson(security.http, endpoint() + path, json, Duration.ofSeconds(5), authHeader());
        } catch (IOException e) {
            if (security.authEnabled && e.getMessage() != null && e.getMessage().contains("token")) {
                // the cached token expired (etcd's simple tokens live 5 minutes): once more with a new one
                security.token = null;
                try {
                    return Http.postJson(security.http, endpoint() + path, json, Duration.ofSeconds(5), authHeader());
                } catch (IOException again) {
                    e = again;
                }
            }
            throw new UncheckedIOException("etcd " + path + " on " + name + " at " + endpoint() + " failed: " + e, e);
        }
    }

    /** The root token header once authentication is on, else nothing. */
    private Map<String, String> authHeader() {
        if (!security.authEnabled) {
            return Map.of();
        }
        String token = security.token;
        if (token == null) {
            String body;
            try {
                body = Http.postJson(security.http, endpoint() + "/v3/auth/authenticate",
                        "{\"name\":\"root\",\"password\":" + json(security.rootPassword) + "}", Duration.ofSeconds(5), Map.of());
            } catch (IOException e) {
                throw new UncheckedIOException("etcd at " + endpoint() + " refused the root login: " + e.getMessage(), e);
            }
            Matcher m = TOKEN.matcher(body);
            if (!m.find()) {
                throw new IllegalStateException("etcd at " + endpoint() + " sent no token for root");
            }
            token = m.group(1);
            security.token = token;
        }
        return Map.of("Authorization", token);
    }

    /** Creates the root role and user and turns authentication on (etcd keeps it across restarts). */
    private void enableAuthentication() {
        gateway("/v3/auth/role/add", "{\"name\":\"root\"}");
        gateway("/v3/auth/user/add", "{\"name\":\"root\",\"password\":" + json(security.rootPassword) + "}");
        gateway("/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}");
        gateway("/v3/auth/enable", "{}");
        security.authEnabled = true;
    }

    /** A JSON string literal. */
    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String field(Pattern p, String json) {
        Matcher m = p.matcher(json);
        // the gateway omits zero values, e.g. "leader" while there is none
        return m.find() ? m.group(1) : "0";
    }

    /** What a role may do with a key range: etcd's {@code READ}, {@code WRITE} or {@code READWRITE}. */
    public enum Permission { READ, WRITE, READWRITE }

    /**
     * Users and roles of a server with authentication on, managed as root through the JSON
     * gateway (so no password is on any command line). Every method blocks until etcd answered.
     */
    public final class Auth {
        private Auth() {}

        /** Adds a user with a password. */
        public Auth addUser(String user, String password) {
            gateway("/v3/auth/user/add", "{\"name\":" + json(user) + ",\"password\":" + json(password) + "}");
            return this;
        }

        /** Adds an empty role. */
        public Auth addRole(String role) {
            gateway("/v3/auth/role/add", "{\"name\":" + json(role) + "}");
            return this;
        }

        /** Lets {@code role} read and/or write every key starting with {@code prefix}. */
        public Auth grantPrefix(String role, String prefix, Permission permission) {
            byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
            gateway("/v3/auth/role/grant", "{\"name\":" + json(role) + ",\"perm\":{\"permType\":\"" + permission
                    + "\",\"key\":\"" + Base64.getEncoder().encodeToString(start) + "\",\"range_end\":\""
                    + Base64.getEncoder().encodeToString(prefixEnd(start)) + "\"}}");
            return this;
        }

        /** Gives {@code user} the permissions of {@code role}. */
        public Auth grantRole(String user, String role) {
            gateway("/v3/auth/user/grant", "{\"user\":" + json(user) + ",\"role\":" + json(role) + "}");
            return this;
        }

        /** Changes a user's password; existing tokens of that user stay valid until they expire. */
        public Auth changePassword(String user, String password) {
            gateway("/v3/auth/user/changepw", "{\"name\":" + json(user) + ",\"password\":" + json(password) + "}");
            return this;
        }

        private static byte[] prefixEnd(byte[] prefix) {
            byte[] end = prefix.clone();
            for (int i = end.length - 1; i >= 0; i--) {
                if (end[i] != (byte) 0xFF) {
                    end[i]++;
                    return java.util.Arrays.copyOf(end, i + 1);
                }
            }
            return new byte[] {0};
        }
    }

    /** TLS and authentication settings of a server, kept apart from the rest of its configuration. */
    private static final class Security {
        TestCertificates tls;
        boolean requireClientCertificates;
        String rootPassword;
        HttpClient http = Http.client();
        volatile boolean authEnabled;
        volatile String token;

        Security copy(TestCertificates tls, boolean requireClientCertificates) {
            Security s = new Security();
            s.tls = tls;
            s.requireClientCertificates = requireClientCertificates;
            s.rootPassword = rootPassword;
            s.http = tls == null ? Http.client() : Http.client(tls.clientSslContext());
            return s;
        }

        List<String> tlsArguments() {
            if (tls == null) {
                return List.of();
            }
            List<String> args = new ArrayList<>(List.of(
                    "--cert-file", tls.serverCertificate().toString(),
                    "--key-file", tls.serverKey().toString(),
                    "--trusted-ca-file", tls.caCertificate().toString()));
            if (requireClientCertificates) {
                args.add("--client-cert-auth");
            }
            return args;
        }
    }

    /**
     * Options for an {@link EtcdServer}. Defaults: name {@code exstate}, heartbeat 50 ms and
     * election timeout 250 ms (a lone member elects itself after one election timeout, so this
     * makes start and restart take a few hundred milliseconds instead of over a second; a single
     * member cannot lose its leadership to anyone), 20 second start timeout, {@code etcd} from the
     * PATH. {@link EtcdCluster} uses etcd's own defaults (100 ms / 1 s) unless told otherwise.
     */
    public static final class Builder extends ServerBuilder<Builder, EtcdServer> {
        private String name = "exstate";
        private Duration heartbeatInterval = Duration.ofMillis(50);
        private Duration electionTimeout = Duration.ofMillis(250);
        private String clusterToken;
        private final Security security = new Security();

        private Builder() {}

        /** The member name ({@code --name}). */
        public Builder name(String name) {
            this.name = Check.valid(name, name != null && !name.isBlank() && !name.contains("=") && !name.contains(","), () -> "etcd member name must be non-blank without '=' or ',': " + name);
            return this;
        }

        /** {@code --heartbeat-interval}. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = requirePositive(interval, "heartbeatInterval");
            return this;
        }

        /** {@code --election-timeout}; etcd requires at least 5 heartbeat intervals. */
        public Builder electionTimeout(Duration timeout) {
            this.electionTimeout = requirePositive(timeout, "electionTimeout");
            return this;
        }

        /**
         * Turns authentication on at the first start, with a {@code root} user of this password (never
         * shown); see {@link EtcdServer#auth()}.
         */
        public Builder authentication(String rootPassword) {
            security.rootPassword = Check.valid(rootPassword, rootPassword != null && !rootPassword.isBlank(),
                    () -> "root password must not be blank");
            return this;
        }

        Builder clusterToken(String token) {
            this.clusterToken = token;
            return this;
        }

        /** Creates the server without starting it. */
        @Override
        public EtcdServer build() {
            if (electionTimeout.compareTo(heartbeatInterval.multipliedBy(5)) < 0) {
                throw new IllegalArgumentException("etcd needs electionTimeout >= 5 x heartbeatInterval: "
                        + electionTimeout + " vs " + heartbeatInterval);
            }
            return new EtcdServer(this);
        }
    }
}
