package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.backend.RedisCluster;
import dev.exstate.testkit.backend.RedisSentinel;
import dev.exstate.testkit.backend.RedisServer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Redis of an integration test class (see {@link BackendFixture}): a standalone server, a
 * cluster, a sentinel or a {@link SecuredRedis}, shared by the class's tests, or none. Each test
 * gets an app name with its {@link #keys()}, {@link #options()} for a replica of that app, and a
 * white-box {@link #raw()} connection; replicas it opens through {@link #state} and
 * {@link #sessions} are closed after it.
 */
final class RedisFixture<B extends AutoCloseable> extends BackendFixture<B> {
    private final Function<B, RedisOptions.Builder> mode;
    private final Function<B, RawRedis> openRaw;
    /** A {@link SecuredRedis}: an ACL user per test, and the admin connection as raw, closed with the server. */
    private final boolean secured;
    /** After each test, a secured server must have refused nothing (its ACL LOG is empty). */
    private boolean nothingRefused;
    private RawRedis raw;
    private RedisKeys keys;
    private String user;
    private String password;

    private RedisFixture(String appPrefix, Supplier<B> start, Function<B, RedisOptions.Builder> mode,
                         Function<B, RawRedis> openRaw) {
        super(appPrefix, start);
        this.mode = mode;
        this.openRaw = openRaw;
        this.secured = mode == null && start != null;
    }

    /** One redis-server for the class. */
    static RedisFixture<RedisServer> standalone(String appPrefix) {
        return new RedisFixture<>(appPrefix, () -> RedisServer.builder().start(),
                server -> RedisOptions.standalone(server.uri()), server -> RawRedis.standalone(server.uri()));
    }

    /** A 3-master Redis Cluster for the class. */
    static RedisFixture<RedisCluster> cluster(String appPrefix) {
        return new RedisFixture<>(appPrefix, () -> RedisCluster.builder().start(),
                cluster -> RedisOptions.cluster(cluster.uris()), cluster -> RawRedis.cluster(cluster.uris()));
    }

    /** A 3-master Redis Cluster with a replica per master, for failover tests. */
    static RedisFixture<RedisCluster> clusterWithReplicas(String appPrefix) {
        return new RedisFixture<>(appPrefix, () -> RedisCluster.builder().replicasPerMaster(1).start(),
                cluster -> RedisOptions.cluster(cluster.uris()), cluster -> RawRedis.cluster(cluster.uris()));
    }

    /** A master with 2 replicas and 3 sentinels, for failover tests; {@link #raw()} is connected to the first master. */
    static RedisFixture<RedisSentinel> sentinelWithReplicas(String appPrefix) {
        return new RedisFixture<>(appPrefix, () -> RedisSentinel.builder().replicas(2).sentinels(3).start(),
                sentinel -> RedisOptions.sentinel(sentinel.sentinelUri()), sentinel -> RawRedis.standalone(sentinel.master().uri()));
    }

    /** A master found through Redis Sentinel; {@link #raw()} is connected to the master. */
    static RedisFixture<RedisSentinel> sentinel(String appPrefix) {
        return new RedisFixture<>(appPrefix, () -> RedisSentinel.builder().start(),
                sentinel -> RedisOptions.sentinel(sentinel.sentinelUri()), sentinel -> RawRedis.standalone(sentinel.master().uri()));
    }

    /**
     * A {@link SecuredRedis}: each test gets an ACL user of its own with the documented rule, and a
     * fresh ACL LOG, which must still be empty after the test: the server refused nothing, so no
     * feature silently fell back. {@link #options()} log in as that user, {@link #raw()} is the
     * admin connection.
     */
    static RedisFixture<SecuredRedis> secured(String appPrefix) {
        RedisFixture<SecuredRedis> fixture = securedWithRefusals(appPrefix);
        fixture.nothingRefused = true;
        return fixture;
    }

    /** {@link #secured}, for tests that make the server refuse commands on purpose. */
    static RedisFixture<SecuredRedis> securedWithRefusals(String appPrefix) {
        return new RedisFixture<>(appPrefix, SecuredRedis::start, null, secured -> secured.admin);
    }

    /**
     * No server for the class: each test starts its own (with {@link #closeAfter}) and connects
     * through {@link #options(String)}.
     */
    static RedisFixture<RedisServer> serverPerTest(String appPrefix) {
        return new RedisFixture<>(appPrefix, null, null, null);
    }

    /**
     * {@link #serverPerTest}, for the fault tests, which break servers and connections on purpose:
     * failures to close what a test opened are logged, not failed.
     */
    static RedisFixture<RedisServer> faults(String appPrefix) {
        RedisFixture<RedisServer> fixture = serverPerTest(appPrefix);
        fixture.tolerateCleanupFailures();
        return fixture;
    }

    /** The keys of this test's app. */
    RedisKeys keys() {
        return keys;
    }

    /** The ACL user of this test ({@link #secured} only). */
    String user() {
        return user;
    }

    /** The password of {@link #user()}. */
    String password() {
        return password;
    }

    /** A connection that reads what really landed in Redis, opened at first use, shared by the class. */
    RawRedis raw() {
        if (raw == null) {
            raw = openRaw.apply(backend());
        }
        return raw;
    }

    /**
     * Options of a replica of this test's app on the class's Redis: with the patient guard policy,
     * or on a secured server those of {@link SecuredRedis#options} for the test's ACL user.
     */
    RedisOptions.Builder options() {
        if (secured) {
            return ((SecuredRedis) backend()).options(app(), user, password);
        }
        return mode.apply(backend()).appName(app()).guardPolicy(RedisTesting.PATIENT);
    }

    /** Options of a replica of this test's app on the standalone Redis at {@code uri}, with the patient guard policy. */
    RedisOptions.Builder options(String uri) {
        return RedisOptions.standalone(uri).appName(app()).guardPolicy(RedisTesting.PATIENT);
    }

    /** A replica's connection, closed after the test. */
    RedisState state(RedisOptions options) {
        return closeAfter(RedisState.connect(options));
    }

    /** A replica's connection with {@link #options()}, closed after the test. */
    RedisState state() {
        return state(options().build());
    }

    /** A session store of {@code state}, closed after the test. */
    RedisSessionStore sessions(RedisState state, SessionOptions options) {
        return closeAfter(state.sessionStore(options));
    }

    /** A session store of {@code state} with {@link RedisTesting#LONG_LIVED} sessions, closed after the test. */
    RedisSessionStore sessions(RedisState state) {
        return sessions(state, RedisTesting.LONG_LIVED);
    }

    /** The lease provider of {@code state}, closed after the test. */
    RedisLeaseProvider leases(RedisState state) {
        return closeAfter(state.leaseProvider());
    }

    @Override
    protected void beforeEachTest() {
        keys = new RedisKeys("exstate", app());
        if (secured) {
            SecuredRedis redis = (SecuredRedis) backend();
            user = "replica-" + app();
            password = redis.createAppUser(user, app());
            redis.resetAclLog();
        }
    }

    @Override
    protected void afterEachTest() {
        if (nothingRefused) {
            assertThat(((SecuredRedis) backend()).aclDenials()).as("ACL LOG of the replicas' user").isEmpty();
        }
    }

    @Override
    protected void afterAllTests() {
        // the secured server's admin connection is closed with the server
        if (raw != null && !secured) {
            raw.close();
        }
        raw = null;
    }
}
