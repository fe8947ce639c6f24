package dev.exstate.bomcheck;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/** The lease contract on this build's classpath against a real etcd (gRPC lease keep-alive). */
@DisplayName("leases on etcd, with the BOM's versions")
class EtcdLeaseProviderIT extends LeaseProviderContract {
    private static EtcdServer etcd;
    private EtcdState state;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.builder().start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @BeforeEach
    void connect() {
        state = EtcdState.connect(EtcdOptions.builder(etcd.endpoint())
                .appName("bom-" + UUID.randomUUID().toString().substring(0, 8))
                .guardPolicy(Patience.POLICY)
                .build());
    }

    @AfterEach
    void disconnect() {
        state.close();
    }

    @Override
    protected LeaseProvider newProvider() {
        return state.leaseProvider();
    }

    @Override
    protected TimeControl time() {
        return TimeControl.real();
    }
}
