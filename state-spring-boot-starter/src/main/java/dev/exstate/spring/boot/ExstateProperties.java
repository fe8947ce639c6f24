package dev.exstate.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * The {@code exstate.*} properties: everything the Java options of exstate offer
 * ({@code StateRuntime.Builder}, {@code RedisOptions}, {@code EtcdOptions}, {@code S3Options},
 * {@code SessionOptions}, {@code LeasedScheduler.Builder}, {@code GuardPolicy}, {@code FileSystemOptions},
 * {@code BudgetOptions}). Defaults are the
 * builders' defaults; each value is checked by the builder it goes to, and a bad one fails start-up
 * with an error naming the property.
 *
 * <p>A backend is configured when its address is set: {@code exstate.redis.uri} (or
 * {@code uris}), {@code exstate.etcd.endpoints}, {@code exstate.s3.endpoint} or
 * {@code exstate.s3.bucket}, {@code exstate.filesystem.root}, and its module is on the class path.
 * {@code exstate.datasource-budget.connections} (with {@code state-hikari}) makes the application's
 * {@code DataSource} a pool on a cluster-wide connection budget. Capabilities without a backend
 * are kept in this process's memory (readiness lists them, the first use logs a WARN), unless
 * {@code exstate.require-shared-backends} makes start-up fail instead.
 *
 * <p>Mutable JavaBean for Spring's binder; not thread-safe. Secrets (passwords, the S3 secret key)
 * are never shown by {@link #toString()}.
 */
@ConfigurationProperties("exstate")
public class ExstateProperties {

    /**
     * Application name: the namespace of every key this service stores (exstate:<app>:... in Redis,
     * /exstate/<app>/ in etcd). 1 to 40 characters from a-z, 0-9 and '-'. Defaults to
     * spring.application.name; one of the two must be set.
     */
    private String appName;

    /**
     * Make start-up fail when a capability is not configured with a shared backend and would be kept
     * in this process's memory: 'true' (all of sessions, config, leases, blobs), 'false', or a
     * comma-separated list such as 'sessions,leases'. The environment variable
     * EXSTATE_REQUIRE_SHARED_BACKENDS is read as well.
     */
    private String requireSharedBackends;

    private final Redis redis = new Redis();

    private final Etcd etcd = new Etcd();

    private final S3 s3 = new S3();

    private final Session session = new Session();

    private final Leases leases = new Leases();

    private final Scheduler scheduler = new Scheduler();

    private final Guard guard = new Guard();

    private final Config config = new Config();

    private final FileSystem filesystem = new FileSystem();

    private final DataSourceBudget datasourceBudget = new DataSourceBudget();

    public String getAppName() {
        return appName;
    }

    public void setAppName(String appName) {
        this.appName = appName;
    }

    public String getRequireSharedBackends() {
        return requireSharedBackends;
    }

    public void setRequireSharedBackends(String requireSharedBackends) {
        this.requireSharedBackends = requireSharedBackends;
    }

    public Redis getRedis() {
        return redis;
    }

    public Etcd getEtcd() {
        return etcd;
    }

    public S3 getS3() {
        return s3;
    }

    public Session getSession() {
        return session;
    }

    public Leases getLeases() {
        return leases;
    }

    public Scheduler getScheduler() {
        return scheduler;
    }

    public Guard getGuard() {
        return guard;
    }

    public Config getConfig() {
        return config;
    }

    public FileSystem getFilesystem() {
        return filesystem;
    }

    public DataSourceBudget getDatasourceBudget() {
        return datasourceBudget;
    }

    @Override
    public String toString() {
        return "ExstateProperties[app=" + appName + ", redis=" + redis + ", etcd=" + etcd + ", s3=" + s3
                + ", filesystem=" + filesystem + ", datasourceBudget=" + datasourceBudget + "]";
    }

    /** Where the live config's property source sits among the Environment's property sources. */
    public enum PropertySourceOrder {
        /** Before every other source: a live value wins over application.properties, system properties and arguments. */
        FIRST,
        /** After every other source: a live value is used only for keys no other source sets. */
        LAST,
        /** No property source: the config is read through the ConfigSource bean only. */
        NONE
    }

    /** How the Redis deployment is organised. */
    public enum RedisMode {
        /** One server, given by exstate.redis.uri. */
        STANDALONE,
        /** A Sentinel-managed master: exstate.redis.uri=redis-sentinel://h1:26379,h2:26379#mymaster. */
        SENTINEL,
        /** A Redis Cluster, given some of its nodes by exstate.redis.uris. */
        CLUSTER
    }

    /** How the Redis session near cache learns that another replica changed a session. */
    public enum Invalidation {
        /** Client tracking where the server supports it, else pub/sub. */
        AUTO,
        /** RESP3 client tracking only. */
        TRACKING,
        /** A pub/sub message per write (every replica of the app must publish). */
        PUBSUB,
        /** No near cache. */
        NONE
    }

    /** The backend that holds leases and the scheduler's jobs. */
    public enum LeaseBackend {
        /** Redis (exstate.redis.* must be configured). */
        REDIS,
        /** etcd (exstate.etcd.* must be configured). */
        ETCD,
        /** This process's memory: one replica only. */
        MEMORY
    }

    /** {@code exstate.redis.*}: sessions and leases on Redis ({@code RedisOptions}). */
    public static class Redis {
        /** Redis deployment: standalone, sentinel or cluster. */
        private RedisMode mode = RedisMode.STANDALONE;

        /**
         * Address of a standalone server (redis://host:port, rediss://host:port for TLS) or of the
         * Sentinels (redis-sentinel://h1:p1,h2:p2#master). Setting it (or uris) configures Redis.
         */
        private String uri;

        /** Seed nodes of a Redis Cluster (redis://host:port each); mode must be cluster. */
        private List<String> uris = new ArrayList<>();

        /** Use TLS even if the URI scheme is redis://. */
        private boolean tls = false;

        /** With TLS, verify the server certificate and host name. */
        private boolean verifyPeer = true;

        /** With TLS, a PEM file of the CA certificates to trust; unset: the JDK's trust store. */
        private Path trustCertificates;

        /** With TLS, a PEM client certificate (chain) for servers that require one; needs client-key. */
        private Path clientCertificate;

        /** Unencrypted PKCS#8 PEM key of client-certificate. */
        private Path clientKey;

        /** ACL user name; unset: the default user. Needs password. */
        private String username;

        /** Password of the ACL user, or of the default user (requirepass). Never shown or logged. */
        private String password;

        /**
         * Bound on connecting and on the connector's own commands (start-up probes, heartbeat PING);
         * data calls are timed by the guard policy (exstate.guard.redis.*).
         */
        private Duration commandTimeout = Duration.ofSeconds(2);

        /** How long the first connection is retried before start-up fails; 0 means one attempt. */
        private Duration startupTimeout = Duration.ofSeconds(30);

        /** Multiplexed connections per replica (per node in a cluster), 1 to 64. */
        private int connections = 1;

        /** First segment of every key. */
        private String keyPrefix = "exstate";

        /** Second segment of every key; unset: exstate.app-name. */
        private String appName;

        /** Sessions cached per replica; 0 turns the near cache off. */
        private long nearCacheSize = 10_000;

        /** How the near cache is kept honest across replicas: auto, tracking, pubsub or none. */
        private Invalidation invalidation = Invalidation.AUTO;

        /** How often each connection is pinged; a failed ping makes the replica not ready. */
        private Duration heartbeatInterval = Duration.ofMillis(250);

        /**
         * A cached session counts as fresh only while the invalidation channel answered a heartbeat
         * sent at most this long ago; longer than heartbeat-interval.
         */
        private Duration freshnessWindow = Duration.ofSeconds(1);

        public RedisMode getMode() {
            return mode;
        }

        public void setMode(RedisMode mode) {
            this.mode = mode;
        }

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public List<String> getUris() {
            return uris;
        }

        public void setUris(List<String> uris) {
            this.uris = uris;
        }

        public boolean isTls() {
            return tls;
        }

        public void setTls(boolean tls) {
            this.tls = tls;
        }

        public boolean isVerifyPeer() {
            return verifyPeer;
        }

        public void setVerifyPeer(boolean verifyPeer) {
            this.verifyPeer = verifyPeer;
        }

        public Path getTrustCertificates() {
            return trustCertificates;
        }

        public void setTrustCertificates(Path trustCertificates) {
            this.trustCertificates = trustCertificates;
        }

        public Path getClientCertificate() {
            return clientCertificate;
        }

        public void setClientCertificate(Path clientCertificate) {
            this.clientCertificate = clientCertificate;
        }

        public Path getClientKey() {
            return clientKey;
        }

        public void setClientKey(Path clientKey) {
            this.clientKey = clientKey;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public Duration getCommandTimeout() {
            return commandTimeout;
        }

        public void setCommandTimeout(Duration commandTimeout) {
            this.commandTimeout = commandTimeout;
        }

        public Duration getStartupTimeout() {
            return startupTimeout;
        }

        public void setStartupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
        }

        public int getConnections() {
            return connections;
        }

        public void setConnections(int connections) {
            this.connections = connections;
        }

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public String getAppName() {
            return appName;
        }

        public void setAppName(String appName) {
            this.appName = appName;
        }

        public long getNearCacheSize() {
            return nearCacheSize;
        }

        public void setNearCacheSize(long nearCacheSize) {
            this.nearCacheSize = nearCacheSize;
        }

        public Invalidation getInvalidation() {
            return invalidation;
        }

        public void setInvalidation(Invalidation invalidation) {
            this.invalidation = invalidation;
        }

        public Duration getHeartbeatInterval() {
            return heartbeatInterval;
        }

        public void setHeartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
        }

        public Duration getFreshnessWindow() {
            return freshnessWindow;
        }

        public void setFreshnessWindow(Duration freshnessWindow) {
            this.freshnessWindow = freshnessWindow;
        }

        @Override
        public String toString() {
            return "[mode=" + mode + ", " + (uri != null ? "uri set" : uris.size() + " uris") + ", username=" + username
                    + (password != null ? ", password=****" : "") + "]";
        }
    }

    /** {@code exstate.etcd.*}: live config and leases on etcd ({@code EtcdOptions}). */
    public static class Etcd {
        /** Client URLs of the etcd members (http://host:port or https://host:port). Setting them configures etcd. */
        private List<String> endpoints = new ArrayList<>();

        /** etcd user (authentication enabled); needs password. */
        private String user;

        /** Password of the etcd user. Never shown or logged. */
        private String password;

        /** With https, a PEM file of the CAs that signed the etcd server certificates. */
        private Path trustCertificates;

        /** With https, a PEM client certificate for mutual TLS; needs client-key. */
        private Path clientCertificate;

        /** PKCS#8 PEM key of client-certificate. */
        private Path clientKey;

        /** With https, the host name the server certificate must match, when it differs from the endpoints' hosts. */
        private String authority;

        /** First part of every key, starting and ending with '/'. */
        private String keyPrefix = "/exstate/";

        /** Second part of every key; unset: exstate.app-name. */
        private String appName;

        /** TCP (and TLS) connect timeout per attempt. */
        private Duration connectTimeout = Duration.ofSeconds(2);

        /** gRPC ping interval on an idle connection, 5 s to 2 h. */
        private Duration keepAliveTime = Duration.ofSeconds(10);

        /** How long a ping may stay unanswered before the connection is considered broken. */
        private Duration keepAliveTimeout = Duration.ofSeconds(5);

        /** How long the first contact with etcd is retried before start-up fails; 0 means one attempt. */
        private Duration startupTimeout = Duration.ofSeconds(30);

        /**
         * Config served (as revision 0, health DEGRADED) when etcd cannot be read at start-up; without
         * it start-up fails. Keys with dots need brackets in YAML: '[shop.discount]': 'true'.
         */
        private Map<String, String> defaults;

        /** After this much silence the config watch asks etcd for a progress notification. */
        private Duration watchProgressInterval = Duration.ofSeconds(2);

        /** How often the config watch checks it missed nothing (a keys-only read); 0 turns it off. */
        private Duration watchVerifyInterval = Duration.ofSeconds(10);

        /** Longest pause between two failed re-reads of the config prefix. */
        private Duration maxRetryBackoff = Duration.ofSeconds(2);

        /** Largest reply from etcd accepted (1 MB to 1 GB); it bounds the size of the application's config. */
        private DataSize maxInboundMessageSize = DataSize.ofMegabytes(64);

        public List<String> getEndpoints() {
            return endpoints;
        }

        public void setEndpoints(List<String> endpoints) {
            this.endpoints = endpoints;
        }

        public String getUser() {
            return user;
        }

        public void setUser(String user) {
            this.user = user;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public Path getTrustCertificates() {
            return trustCertificates;
        }

        public void setTrustCertificates(Path trustCertificates) {
            this.trustCertificates = trustCertificates;
        }

        public Path getClientCertificate() {
            return clientCertificate;
        }

        public void setClientCertificate(Path clientCertificate) {
            this.clientCertificate = clientCertificate;
        }

        public Path getClientKey() {
            return clientKey;
        }

        public void setClientKey(Path clientKey) {
            this.clientKey = clientKey;
        }

        public String getAuthority() {
            return authority;
        }

        public void setAuthority(String authority) {
            this.authority = authority;
        }

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public String getAppName() {
            return appName;
        }

        public void setAppName(String appName) {
            this.appName = appName;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getKeepAliveTime() {
            return keepAliveTime;
        }

        public void setKeepAliveTime(Duration keepAliveTime) {
            this.keepAliveTime = keepAliveTime;
        }

        public Duration getKeepAliveTimeout() {
            return keepAliveTimeout;
        }

        public void setKeepAliveTimeout(Duration keepAliveTimeout) {
            this.keepAliveTimeout = keepAliveTimeout;
        }

        public Duration getStartupTimeout() {
            return startupTimeout;
        }

        public void setStartupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
        }

        public Map<String, String> getDefaults() {
            return defaults;
        }

        public void setDefaults(Map<String, String> defaults) {
            this.defaults = defaults;
        }

        public Duration getWatchProgressInterval() {
            return watchProgressInterval;
        }

        public void setWatchProgressInterval(Duration watchProgressInterval) {
            this.watchProgressInterval = watchProgressInterval;
        }

        public Duration getWatchVerifyInterval() {
            return watchVerifyInterval;
        }

        public void setWatchVerifyInterval(Duration watchVerifyInterval) {
            this.watchVerifyInterval = watchVerifyInterval;
        }

        public Duration getMaxRetryBackoff() {
            return maxRetryBackoff;
        }

        public void setMaxRetryBackoff(Duration maxRetryBackoff) {
            this.maxRetryBackoff = maxRetryBackoff;
        }

        public DataSize getMaxInboundMessageSize() {
            return maxInboundMessageSize;
        }

        public void setMaxInboundMessageSize(DataSize maxInboundMessageSize) {
            this.maxInboundMessageSize = maxInboundMessageSize;
        }

        @Override
        public String toString() {
            return "[" + endpoints.size() + " endpoints, user=" + user + (password != null ? ", password=****" : "") + "]";
        }
    }

    /** {@code exstate.s3.*}: blobs on S3 or any S3-compatible store ({@code S3Options}). */
    public static class S3 {
        /**
         * URL of the S3 service, http(s)://host[:port]. Setting it (or bucket) configures S3; both
         * are then required.
         */
        private String endpoint;

        /** Signing region. */
        private String region = "us-east-1";

        /** Access key id; unset (with secret-key) for anonymous requests. */
        private String accessKey;

        /** Secret key. Never shown or logged. */
        private String secretKey;

        /** The bucket every key lives in. */
        private String bucket;

        /** Create the bucket on first use if it is missing. */
        private boolean autoCreateBucket = false;

        /** Size of a multipart part (5 MB to 1 GB); objects up to this size go in one request. */
        private DataSize partSize = DataSize.ofMegabytes(8);

        /** Parts of one upload sent concurrently, 1 to 16. */
        private int partsInFlight = 2;

        /** Name of the store's guard (its breaker) in errors, metrics and health. */
        private String guardName = "s3";

        /** TCP (and TLS) connect timeout. */
        private Duration connectTimeout = Duration.ofSeconds(5);

        /** Longest wait for the next bytes of a request or response (a streamed download). */
        private Duration readTimeout = Duration.ofSeconds(30);

        /** Bound on concurrent HTTP requests and pooled connections. */
        private int maxConnections = 64;

        /** How long the first contact with S3 is retried; 0 means one attempt. */
        private Duration startupTimeout = Duration.ofSeconds(30);

        /** With https, a PEM file of the CA certificates to trust instead of the JVM's default trust store. */
        private Path trustCertificates;

        public String getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public String getAccessKey() {
            return accessKey;
        }

        public void setAccessKey(String accessKey) {
            this.accessKey = accessKey;
        }

        public String getSecretKey() {
            return secretKey;
        }

        public void setSecretKey(String secretKey) {
            this.secretKey = secretKey;
        }

        public String getBucket() {
            return bucket;
        }

        public void setBucket(String bucket) {
            this.bucket = bucket;
        }

        public boolean isAutoCreateBucket() {
            return autoCreateBucket;
        }

        public void setAutoCreateBucket(boolean autoCreateBucket) {
            this.autoCreateBucket = autoCreateBucket;
        }

        public DataSize getPartSize() {
            return partSize;
        }

        public void setPartSize(DataSize partSize) {
            this.partSize = partSize;
        }

        public int getPartsInFlight() {
            return partsInFlight;
        }

        public void setPartsInFlight(int partsInFlight) {
            this.partsInFlight = partsInFlight;
        }

        public String getGuardName() {
            return guardName;
        }

        public void setGuardName(String guardName) {
            this.guardName = guardName;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public int getMaxConnections() {
            return maxConnections;
        }

        public void setMaxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
        }

        public Duration getStartupTimeout() {
            return startupTimeout;
        }

        public void setStartupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
        }

        public Path getTrustCertificates() {
            return trustCertificates;
        }

        public void setTrustCertificates(Path trustCertificates) {
            this.trustCertificates = trustCertificates;
        }

        @Override
        public String toString() {
            return "[endpoint " + (endpoint != null ? "set" : "unset") + ", bucket=" + bucket
                    + (accessKey != null ? ", credentials=****" : "") + "]";
        }
    }

    /**
     * {@code exstate.filesystem.*}: blobs on a directory that every replica mounts (NFS, EFS, a
     * ReadWriteMany volume), {@code FileSystemOptions}. Not together with S3.
     */
    public static class FileSystem {
        /**
         * The shared directory (the mount point or a directory in it); it must exist. Setting it
         * configures the file-system blob store; setting S3 as well fails start-up.
         */
        private Path root;

        /** Force every put to stable storage (file and directory) before it returns. */
        private boolean fsync = true;

        /**
         * How long a replica must see the same lock on a key before breaking it as a crashed writer's
         * (100 ms to 1 h); longer than the longest pause a replica may have while holding one.
         */
        private Duration staleLockTimeout = Duration.ofSeconds(30);

        /** How long a put or delete waits for a key's lock before it fails (10 ms to 1 h). */
        private Duration lockWaitTimeout = Duration.ofSeconds(60);

        /** Buffer each put and each open blob reads and writes through (4 KB to 8 MB). */
        private DataSize bufferSize = DataSize.ofKilobytes(64);

        /** Age after which a temporary file is taken for a crashed writer's and deleted (1 min to 30 days). */
        private Duration tempFileMaxAge = Duration.ofHours(1);

        public Path getRoot() {
            return root;
        }

        public void setRoot(Path root) {
            this.root = root;
        }

        public boolean isFsync() {
            return fsync;
        }

        public void setFsync(boolean fsync) {
            this.fsync = fsync;
        }

        public Duration getStaleLockTimeout() {
            return staleLockTimeout;
        }

        public void setStaleLockTimeout(Duration staleLockTimeout) {
            this.staleLockTimeout = staleLockTimeout;
        }

        public Duration getLockWaitTimeout() {
            return lockWaitTimeout;
        }

        public void setLockWaitTimeout(Duration lockWaitTimeout) {
            this.lockWaitTimeout = lockWaitTimeout;
        }

        public DataSize getBufferSize() {
            return bufferSize;
        }

        public void setBufferSize(DataSize bufferSize) {
            this.bufferSize = bufferSize;
        }

        public Duration getTempFileMaxAge() {
            return tempFileMaxAge;
        }

        public void setTempFileMaxAge(Duration tempFileMaxAge) {
            this.tempFileMaxAge = tempFileMaxAge;
        }

        @Override
        public String toString() {
            return "[root=" + root + "]";
        }
    }

    /**
     * {@code exstate.datasource-budget.*}: the application's {@code DataSource} as a HikariCP pool
     * whose size follows this replica's share of a cluster-wide connection limit
     * ({@code BudgetOptions}; needs {@code state-hikari}). The pool's JDBC settings are Boot's own
     * {@code spring.datasource.*} and {@code spring.datasource.hikari.*}.
     */
    public static class DataSourceBudget {
        /**
         * Name of the budget, the same on every replica: part of its lease names, at most 100
         * characters. Unset: the app name followed by '-db'. Leases are namespaced per app, so the
         * replicas of one app share a budget; other apps on the same database need budgets of their own.
         */
        private String resource;

        /**
         * The most connections all replicas together may hold (1 to 10000). Setting it turns the
         * budgeted DataSource on; each replica's pool gets its share, 0 for replicas beyond this count.
         */
        private Integer connections;

        /**
         * TTL of each permit lease (100 ms to 1 h, more than 3 poll intervals): how long a crashed
         * replica's connections stay counted before the others may take them.
         */
        private Duration permitTtl = Duration.ofSeconds(5);

        /** How often a replica re-reads who shares the budget and rebalances (10 ms to 1 min). */
        private Duration pollInterval = Duration.ofMillis(200);

        /** Most replicas that can hold a share (1 to 1024): at least the autoscaler's maximum. */
        private int maxReplicas = 32;

        public String getResource() {
            return resource;
        }

        public void setResource(String resource) {
            this.resource = resource;
        }

        public Integer getConnections() {
            return connections;
        }

        public void setConnections(Integer connections) {
            this.connections = connections;
        }

        public Duration getPermitTtl() {
            return permitTtl;
        }

        public void setPermitTtl(Duration permitTtl) {
            this.permitTtl = permitTtl;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public int getMaxReplicas() {
            return maxReplicas;
        }

        public void setMaxReplicas(int maxReplicas) {
            this.maxReplicas = maxReplicas;
        }

        @Override
        public String toString() {
            return "[resource=" + resource + ", connections=" + connections + "]";
        }
    }

    /** {@code exstate.session.*}: limits and timeouts of the session store ({@code SessionOptions}). */
    public static class Session {
        /** A session expires when not used for this long (1 ms to 365 days). */
        private Duration maxInactiveInterval = Duration.ofMinutes(30);

        /**
         * Reads refresh the expiry at most this often, so a read does not write on every request;
         * shorter than max-inactive-interval. Unset: 1 min, or a tenth of max-inactive-interval if
         * that is shorter.
         */
        private Duration touchInterval;

        /** Most attributes one session may hold. */
        private int maxAttributes = 100;

        /** Most bytes of attribute names plus values one session may hold (at most 64 MB). */
        private DataSize maxSessionBytes = DataSize.ofKilobytes(64);

        /** Longest attribute name, in characters. */
        private int maxAttributeNameLength = 200;

        public Duration getMaxInactiveInterval() {
            return maxInactiveInterval;
        }

        public void setMaxInactiveInterval(Duration maxInactiveInterval) {
            this.maxInactiveInterval = maxInactiveInterval;
        }

        public Duration getTouchInterval() {
            return touchInterval;
        }

        public void setTouchInterval(Duration touchInterval) {
            this.touchInterval = touchInterval;
        }

        public int getMaxAttributes() {
            return maxAttributes;
        }

        public void setMaxAttributes(int maxAttributes) {
            this.maxAttributes = maxAttributes;
        }

        public DataSize getMaxSessionBytes() {
            return maxSessionBytes;
        }

        public void setMaxSessionBytes(DataSize maxSessionBytes) {
            this.maxSessionBytes = maxSessionBytes;
        }

        public int getMaxAttributeNameLength() {
            return maxAttributeNameLength;
        }

        public void setMaxAttributeNameLength(int maxAttributeNameLength) {
            this.maxAttributeNameLength = maxAttributeNameLength;
        }
    }

    /** {@code exstate.leases.*}: where leases live. */
    public static class Leases {
        /**
         * Backend of leases and of the scheduler's jobs: redis, etcd or memory. Unset: Redis if it is
         * configured, else etcd if it is configured, else memory.
         */
        private LeaseBackend backend;

        public LeaseBackend getBackend() {
            return backend;
        }

        public void setBackend(LeaseBackend backend) {
            this.backend = backend;
        }
    }

    /** {@code exstate.scheduler.*}: the leased scheduler ({@code LeasedScheduler.Builder}). */
    public static class Scheduler {
        /** Threads shared by timers and job runs (1 to 256): at most this many jobs run at once on a replica. */
        private int threads = 2;

        /** On shutdown, how long running jobs may finish before they are interrupted (0 to 1 h). */
        private Duration shutdownGrace = Duration.ofSeconds(10);

        /** Prefix of the lease each job holds: a job named 'report' holds the lease '<prefix>report'. */
        private String leasePrefix = "job:";

        /**
         * TTL of the lease a fixed-rate or cron job holds while it runs (100 ms to 1 h): how long a
         * replica that crashed mid-run blocks the job.
         */
        private Duration leaseTtl = Duration.ofSeconds(10);

        /** How often a running job's lease is renewed, at most half of lease-ttl. Unset: a third of lease-ttl. */
        private Duration leaseRenewEvery;

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public Duration getShutdownGrace() {
            return shutdownGrace;
        }

        public void setShutdownGrace(Duration shutdownGrace) {
            this.shutdownGrace = shutdownGrace;
        }

        public String getLeasePrefix() {
            return leasePrefix;
        }

        public void setLeasePrefix(String leasePrefix) {
            this.leasePrefix = leasePrefix;
        }

        public Duration getLeaseTtl() {
            return leaseTtl;
        }

        public void setLeaseTtl(Duration leaseTtl) {
            this.leaseTtl = leaseTtl;
        }

        public Duration getLeaseRenewEvery() {
            return leaseRenewEvery;
        }

        public void setLeaseRenewEvery(Duration leaseRenewEvery) {
            this.leaseRenewEvery = leaseRenewEvery;
        }
    }

    /**
     * {@code exstate.config.*}: where the runtime's config comes from when etcd is not configured,
     * and how it reaches the Spring {@code Environment}.
     */
    public static class Config {
        /**
         * A Java properties file (UTF-8) to serve as the runtime's config, watched for changes. Only
         * when etcd is not configured: setting both fails start-up. A missing file is an empty config.
         */
        private Path file;

        /** How often the config file is re-read even without a file-system event (10 ms to 1 h). */
        private Duration filePollInterval = Duration.ofSeconds(2);

        /**
         * Where the live config (etcd, or the file) is added to the Environment as the property source
         * 'exstate-config': first (it overrides every other source), last (other sources win), or none.
         */
        private PropertySourceOrder propertySource = PropertySourceOrder.FIRST;

        public Path getFile() {
            return file;
        }

        public void setFile(Path file) {
            this.file = file;
        }

        public Duration getFilePollInterval() {
            return filePollInterval;
        }

        public void setFilePollInterval(Duration filePollInterval) {
            this.filePollInterval = filePollInterval;
        }

        public PropertySourceOrder getPropertySource() {
            return propertySource;
        }

        public void setPropertySource(PropertySourceOrder propertySource) {
            this.propertySource = propertySource;
        }
    }

    /**
     * {@code exstate.guard.<backend>.*}: the guard policy of each backend (timeouts, breaker,
     * bulkhead, retries), shared by every provider on that backend.
     */
    public static class Guard {
        /** Guard policy of every Redis call. */
        @NestedConfigurationProperty
        private GuardPolicyProperties redis = new GuardPolicyProperties();

        /** Guard policy of every etcd call. */
        @NestedConfigurationProperty
        private GuardPolicyProperties etcd = new GuardPolicyProperties();

        /** Guard policy of every S3 request (its guard is named by exstate.s3.guard-name). */
        @NestedConfigurationProperty
        private GuardPolicyProperties s3 = new GuardPolicyProperties();

        /** Guard policy of every call to the shared directory of exstate.filesystem.root. */
        @NestedConfigurationProperty
        private GuardPolicyProperties filesystem = new GuardPolicyProperties();

        public GuardPolicyProperties getRedis() {
            return redis;
        }

        public void setRedis(GuardPolicyProperties redis) {
            this.redis = redis;
        }

        public GuardPolicyProperties getEtcd() {
            return etcd;
        }

        public void setEtcd(GuardPolicyProperties etcd) {
            this.etcd = etcd;
        }

        public GuardPolicyProperties getS3() {
            return s3;
        }

        public void setS3(GuardPolicyProperties s3) {
            this.s3 = s3;
        }

        public GuardPolicyProperties getFilesystem() {
            return filesystem;
        }

        public void setFilesystem(GuardPolicyProperties filesystem) {
            this.filesystem = filesystem;
        }
    }
}
