package dev.exstate.testkit.backend;

import dev.exstate.testkit.tls.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * A {@code redis-server} child process on a free 127.0.0.1 port, for integration and fault tests.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.builder().durable().start()) {
 *     redis.call("SET", "k", "v");
 *     redis.kill();      // SIGKILL
 *     redis.restart();   // same port, same data directory
 * }
 * }</pre>
 *
 * <p>The configuration (including any password) is written to {@code redis.conf} in the data
 * directory, readable only by the owner, so passwords appear neither on the process command line
 * nor in {@link #toString()} or logs. Ready means: answers PING with PONG (after AUTH when a
 * password is set). Thread-safe; see {@link BackendProcess} for the controls.
 *
 * <p>With {@link Builder#tls(TestCertificates, boolean)} the server speaks TLS only ({@code
 * tls-port} on the server's port; the plain port is off), {@link #uri()} is {@code rediss://} and
 * {@link #connect()} uses TLS, presenting the client certificate; requiring client certificates is
 * {@code tls-auth-clients yes}, Redis's own default. {@link Builder#aclUser} adds users with the ACL
 * rules a test wants to check, for example a user limited to one application's keys.
 */
public final class RedisServer extends BackendProcess<RedisServer> {
    static final String DEBIAN_PACKAGE = "redis-server";
    private static final String HOST = "127.0.0.1";
    private static final Duration PROBE_CONNECT = Duration.ofSeconds(2);

    private final boolean durable;
    private final String password;
    private final String user;
    private final String userPassword;
    private final List<String> extraArgs;
    private final Duration clusterNodeTimeout;
    private final Security security;
    private volatile int port;
    private volatile int clusterBusPort;

    private RedisServer(Builder b) {
        super("redis-server", b.binary != null ? b.binary : Binaries.require("redis-server", DEBIAN_PACKAGE),
                b.startTimeout);
        this.durable = b.durable;
        this.password = b.password;
        this.user = b.user;
        this.userPassword = b.userPassword;
        this.extraArgs = List.copyOf(b.extraArgs);
        this.clusterNodeTimeout = b.clusterNodeTimeout;
        this.security = b.security.copy(b.tls, b.requireClientCertificates);
        if (security.tls != null && clusterNodeTimeout != null) {
            throw new IllegalArgumentException("TLS is not supported for cluster nodes");
        }
        assignPorts();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True if {@code redis-server} can be found (PATH or {@code -Dexstate.bin.redis-server}). */
    public static boolean isInstalled() {
        return Binaries.lookup("redis-server").isPresent();
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>} ({@code rediss://} with TLS), without credentials. */
    public String uri() {
        return (isTls() ? "rediss://" : "redis://") + HOST + ":" + port();
    }

    /** True if the server speaks TLS only (see {@link Builder#tls(TestCertificates, boolean)}). */
    public boolean isTls() {
        return security.tls != null;
    }

    /** {@code 127.0.0.1:<port>}. */
    public String hostAndPort() {
        return HOST + ":" + port();
    }

    /** The cluster bus port of a cluster node, or 0 for a standalone server. */
    public int clusterBusPort() {
        return clusterBusPort;
    }

    public boolean isDurable() {
        return durable;
    }

    /**
     * Opens a connection, authenticated with the configured password or ACL user if any.
     * {@code timeout} bounds the connect and each read.
     */
    public RespConnection connect(Duration timeout) {
        RespConnection conn = RespConnection.open(HOST, port(), timeout, security.socketFactory);
        try {
            authenticate(conn);
            return conn;
        } catch (RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    /** {@link #connect(Duration)} with a 5 second timeout. */
    public RespConnection connect() {
        return connect(Duration.ofSeconds(5));
    }

    /** Runs one command on a fresh authenticated connection; see {@link RespConnection#call}. */
    public Object call(String... args) {
        try (RespConnection conn = connect()) {
            return conn.call(args);
        }
    }

    /** True if the server answers PING with PONG within {@code timeout}; never throws. */
    public boolean ping(Duration timeout) {
        try (RespConnection conn = connect(timeout)) {
            return "PONG".equals(conn.call("PING"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RedisServer[").append(hostAndPort());
        if (clusterNodeTimeout != null) {
            sb.append(", cluster node, bus ").append(clusterBusPort());
        }
        if (durable) {
            sb.append(", durable");
        }
        if (isTls()) {
            sb.append(", tls").append(security.requireClientCertificates ? " (client certificates required)" : "");
        }
        if (password != null) {
            sb.append(", password set");
        }
        if (user != null) {
            sb.append(", ACL user ").append(user);
        }
        sb.append(isRunning() ? ", running" : ", not running");
        if (isPaused()) {
            sb.append(", paused");
        }
        return sb.append(", dir ").append(dataDir()).append(']').toString();
    }

    // ---- BackendProcess hooks ----

    @Override
    List<String> arguments() {
        List<String> args = new ArrayList<>();
        args.add(configFile().toString());
        args.addAll(extraArgs);
        return args;
    }

    @Override
    synchronized void beforeLaunch() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("bind " + HOST);
        if (isTls()) {
            lines.add("port 0");
            lines.add("tls-port " + port);
            lines.addAll(security.tlsLines());
        } else {
            lines.add("port " + port);
        }
        lines.add("dir " + quote(dataDir().toString()));
        lines.add("daemonize no");
        lines.add("logfile \"\"");
        if (durable) {
            lines.add("appendonly yes");
            lines.add("appendfsync always");
        }
        if (password != null) {
            lines.add("requirepass " + quote(password));
            lines.add("masterauth " + quote(password));
        }
        if (user != null) {
            lines.add("user " + quote(user) + " on " + quote(">" + userPassword) + " ~* &* +@all");
        }
        lines.addAll(security.aclLines());
        if (clusterNodeTimeout != null) {
            lines.add("cluster-enabled yes");
            lines.add("cluster-config-file nodes.conf");
            lines.add("cluster-node-timeout " + clusterNodeTimeout.toMillis());
            lines.add("cluster-port " + clusterBusPort);
        }
        Path conf = configFile();
        Files.deleteIfExists(conf);
        try {
            Files.createFile(conf, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(conf);
        }
        Files.write(conf, lines, StandardCharsets.UTF_8);
    }

    @Override
    boolean probeReady(Duration timeout) {
        return ping(timeout.compareTo(PROBE_CONNECT) < 0 ? timeout : PROBE_CONNECT);
    }

    @Override
    synchronized boolean reassignPorts() {
        assignPorts();
        return true;
    }

    @Override
    String address() {
        return hostAndPort();
    }

    boolean isClusterNode() {
        return clusterNodeTimeout != null;
    }

    String password() {
        return password;
    }

    private void authenticate(RespConnection conn) {
        if (user != null) {
            conn.call("AUTH", user, userPassword);
        } else if (password != null) {
            conn.call("AUTH", password);
        }
    }

    private synchronized void assignPorts() {
        port = FreePorts.next();
        clusterBusPort = clusterNodeTimeout != null ? FreePorts.next() : 0;
    }

    private Path configFile() {
        return dataDir().resolve("redis.conf");
    }

    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** TLS and ACL settings of a server, kept apart from the rest of its configuration. */
    private static final class Security {
        TestCertificates tls;
        boolean requireClientCertificates;
        SSLSocketFactory socketFactory;
        final List<AclUser> aclUsers = new ArrayList<>();

        Security copy(TestCertificates tls, boolean requireClientCertificates) {
            Security s = new Security();
            s.tls = tls;
            s.requireClientCertificates = requireClientCertificates;
            s.socketFactory = tls == null ? null : tls.clientSslContext().getSocketFactory();
            s.aclUsers.addAll(aclUsers);
            return s;
        }

        List<String> tlsLines() {
            return List.of(
                    "tls-cert-file " + quote(tls.serverCertificate().toString()),
                    "tls-key-file " + quote(tls.serverKey().toString()),
                    "tls-ca-cert-file " + quote(tls.caCertificate().toString()),
                    "tls-auth-clients " + (requireClientCertificates ? "yes" : "no"));
        }

        List<String> aclLines() {
            List<String> lines = new ArrayList<>();
            for (AclUser u : aclUsers) {
                StringBuilder line = new StringBuilder("user ").append(quote(u.name())).append(" on ")
                        .append(quote(">" + u.password()));
                u.rules().forEach(r -> line.append(' ').append(quote(r)));
                lines.add(line.toString());
            }
            return lines;
        }
    }

    private record AclUser(String name, String password, List<String> rules) {
        @Override
        public String toString() {
            return "AclUser[" + name + ", " + rules + "]";
        }
    }

    /**
     * Options for a {@link RedisServer}. Defaults: no persistence guarantees beyond Redis's own
     * defaults, no password, 20 second start timeout, {@code redis-server} from the PATH.
     */
    public static final class Builder extends ServerBuilder<Builder, RedisServer> {
        private boolean durable;
        private String password;
        private String user;
        private String userPassword;
        private Duration clusterNodeTimeout;
        private final Security security = new Security();

        private Builder() {}

        /**
         * {@code appendonly yes} with {@code appendfsync always}: every acknowledged write is on
         * disk, so it survives {@link RedisServer#kill()} and {@link RedisServer#restart()}.
         */
        public Builder durable() {
            this.durable = true;
            return this;
        }

        /** Protects the default user with {@code requirepass}. */
        public Builder password(String password) {
            this.password = requireNonBlank(password, "password");
            return this;
        }

        /**
         * Adds an ACL user with all permissions. The default user stays open unless
         * {@link #password(String)} is also set. Connections from {@link RedisServer#connect()}
         * authenticate as this user.
         */
        public Builder user(String name, String password) {
            this.user = requireNonBlank(name, "user name");
            this.userPassword = requireNonBlank(password, "user password");
            return this;
        }

        /**
         * Adds an ACL user defined in the config file as {@code user <name> on ><password> <rules...>},
         * e.g. {@code aclUser("shop", pw, "resetkeys", "~exstate:shop:*", "+@read")}. The password
         * stays in the config file (owner-only) and is never shown.
         */
        public Builder aclUser(String name, String password, String... rules) {
            requireNonBlank(name, "ACL user name");
            requireNonBlank(password, "ACL user password");
            List<String> checked = new ArrayList<>();
            for (String rule : rules) {
                String r = requireNonBlank(rule, "ACL rule");
                if (r.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"')) {
                    throw new IllegalArgumentException("ACL rule must be one token without spaces or quotes: " + r);
                }
                checked.add(r);
            }
            security.aclUsers.add(new AclUser(name, password, List.copyOf(checked)));
            return this;
        }

        /** Makes the server a cluster node; used by {@link RedisCluster}. */
        Builder clusterNode(Duration nodeTimeout) {
            this.clusterNodeTimeout = requirePositive(nodeTimeout, "nodeTimeout");
            return this;
        }

        /** Creates the server without starting it. */
        @Override
        public RedisServer build() {
            return new RedisServer(this);
        }

        private static String requireNonBlank(String value, String what) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(what + " must not be blank");
            }
            return value;
        }
    }
}
