package dev.exstate.etcd;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;

/**
 * The lease contract on the etcd of an {@link EtcdFixture}, read back through the member's JSON
 * gateway; each subclass registers the fixture of one setup, which JUnit hands in. A fresh key
 * prefix per test; the replicas of a test share one connection.
 */
abstract class EtcdLeaseContract extends LeaseProviderContract {
    private static final TimeControl TIME = TimeControl.real();
    private EtcdFixture<?> etcd;
    private EtcdState state;

    @BeforeEach
    void connect(EtcdFixture<?> registered) {
        etcd = registered;
        state = etcd.state();
    }

    /** This test's connection. */
    EtcdState state() {
        return state;
    }

    @Override
    protected LeaseProvider newProvider() {
        return state.leaseProvider();
    }

    @Override
    protected TimeControl time() {
        return TIME;
    }

    @Override
    protected boolean readsBackend() {
        return true;
    }

    /** The create revision of the lease key: that is the fencing token. */
    @Override
    protected Optional<Long> storedToken(String name) {
        return etcd.server().createRevision("/exstate/" + etcd.app() + "/lease/" + name);
    }

    @Override
    protected boolean readsTickRecords() {
        return true;
    }

    /** The tick record: 16 zero-padded digits. */
    @Override
    protected Optional<Long> storedLastTick(String name) {
        return etcd.server().get("/exstate/" + etcd.app() + "/lease-tick/" + name).map(Long::parseLong);
    }
}
