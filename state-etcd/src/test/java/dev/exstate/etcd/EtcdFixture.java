package dev.exstate.etcd;

import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.backend.EtcdServer;
import io.etcd.jetcd.Client;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The etcd of an integration test class (see {@link BackendFixture}): one member, or a
 * {@link SecuredEtcd}, shared by the class's tests, or none. Each test gets an app name (the key
 * prefix), {@link #options()} for a replica of that app, and {@link #state} connections that are
 * closed after it.
 */
final class EtcdFixture<B extends AutoCloseable> extends BackendFixture<B> {
    private final Function<B, EtcdServer> server;
    private final boolean secured;
    private Client raw;
    private String user;
    private String password;

    private EtcdFixture(String appPrefix, Supplier<B> start, Function<B, EtcdServer> server, boolean secured) {
        super(appPrefix, start);
        this.server = server;
        this.secured = secured;
    }

    /** One etcd member for the class. */
    static EtcdFixture<EtcdServer> single(String appPrefix) {
        return new EtcdFixture<>(appPrefix, () -> EtcdServer.builder().start(), member -> member, false);
    }

    /**
     * A {@link SecuredEtcd}: each test gets a user of its own whose role has the documented grants;
     * {@link #options()} log in as that user, {@link #rootOptions()} as root.
     */
    static EtcdFixture<SecuredEtcd> secured(String appPrefix) {
        return new EtcdFixture<>(appPrefix, SecuredEtcd::start, etcd -> etcd.server, true);
    }

    /** No etcd for the class: each test starts what it needs and hands it to {@link #closeAfter}. */
    static EtcdFixture<EtcdServer> serverPerTest(String appPrefix) {
        return new EtcdFixture<>(appPrefix, null, null, false);
    }

    /** The member the class's tests share, for white-box reads through its JSON gateway (as root when secured). */
    EtcdServer server() {
        return server.apply(backend());
    }

    /** A raw jetcd client of the class's member, opened at first use, bypassing the code under test. */
    Client raw() {
        if (raw == null) {
            raw = EtcdTesting.rawClient(server().endpoint());
        }
        return raw;
    }

    /** The user of this test ({@link #secured} only). */
    String user() {
        return user;
    }

    /** The password of {@link #user()}. */
    String password() {
        return password;
    }

    /** Options of a replica of this test's app on the class's etcd (see {@link EtcdTesting#options}). */
    EtcdOptions.Builder options() {
        if (secured) {
            return ((SecuredEtcd) backend()).options(app(), user, password);
        }
        return options(server().endpoint());
    }

    /** Options of a replica of this test's app on the etcd at {@code endpoints}: a member the test started, or a proxy. */
    EtcdOptions.Builder options(String... endpoints) {
        return EtcdTesting.options(endpoints).appName(app());
    }

    /** Options of this test's app as root, for whoever writes the config ({@link #secured} only). */
    EtcdOptions.Builder rootOptions() {
        return ((SecuredEtcd) backend()).rootOptions(app());
    }

    /** A connection with {@code options}, closed after the test. */
    EtcdState state(EtcdOptions.Builder options) {
        return closeAfter(EtcdState.connect(options.build()));
    }

    /** A replica's connection with {@link #options()}, closed after the test. */
    EtcdState state() {
        return state(options());
    }

    @Override
    protected void beforeEachTest() {
        if (secured) {
            user = "replica-" + app();
            password = ((SecuredEtcd) backend()).createAppUser(user, app());
        }
    }

    @Override
    protected void afterAllTests() {
        if (raw != null) {
            raw.close();
            raw = null;
        }
    }
}
