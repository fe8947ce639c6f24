package dev.exstate.etcd;

import dev.exstate.etcd.internal.EtcdConnection;
import dev.exstate.etcd.internal.EtcdKeys;
import dev.exstate.etcd.internal.EtcdLeaseBackend;
import dev.exstate.guard.Guard;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import java.nio.charset.StandardCharsets;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.LeaseProviderContract;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The lease contract against a real etcd (a lone member with a 250 ms election timeout, whose
 * minimum lease TTL is 1 s: the suite's TTL). One etcd for the class, a fresh key prefix per test.
 */
@DisplayName("EtcdLeaseProvider passes the LeaseProvider contract")
class EtcdLeaseProviderContractIT extends LeaseProviderContract {
    private static final TimeControl TIME = TimeControl.real();
    private static EtcdServer etcd;
    private static Client raw;

    private EtcdState state;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.builder().start();
        raw = EtcdTesting.rawClient(etcd.endpoint());
    }

    @AfterAll
    static void stopEtcd() {
        if (raw != null) {
            raw.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void freshPrefix() {
        state = EtcdState.connect(EtcdTesting.options(etcd.endpoint()).build());
    }

    @AfterEach
    void closeState() {
        state.close();
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

    /** The create revision of the lease key, read with a raw client: that is the fencing token. */
    @Override
    protected Optional<Long> storedToken(String name) {
        String key = "/exstate/" + state.options().appName() + "/lease/" + name;
        return EtcdTesting.rawGet(raw, key).map(KeyValue::getCreateRevision);
    }

    @Override
    protected boolean readsTickRecords() {
        return true;
    }

    /** The tick record, read with a raw client: 16 zero-padded digits. */
    @Override
    protected Optional<Long> storedLastTick(String name) {
        String key = "/exstate/" + state.options().appName() + "/lease-tick/" + name;
        return EtcdTesting.rawGet(raw, key).map(kv -> Long.parseLong(kv.getValue().toString(StandardCharsets.US_ASCII)));
    }

    @Override
    protected LeaseBackend newBackend() {
        EtcdOptions options = state.options();
        Guard guard = Guard.create(EtcdState.BACKEND, options.guardPolicy());
        // the backend's close releases the connection, whose close then closes the guard
        EtcdConnection connection = EtcdConnection.open(options, options.password(), guard::close);
        return new EtcdLeaseBackend(connection, guard, new EtcdKeys(options.keyPrefix(), options.appName()));
    }
}
