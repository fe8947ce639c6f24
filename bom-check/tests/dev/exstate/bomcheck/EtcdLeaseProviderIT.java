package dev.exstate.bomcheck;

import dev.exstate.etcd.EtcdState;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.LeaseProviderContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease contract on this build's classpath against a real etcd (gRPC lease keep-alive). */
@DisplayName("leases on etcd, with the BOM's versions")
class EtcdLeaseProviderIT extends LeaseProviderContract {
    @RegisterExtension
    static final BackendFixture<EtcdServer> etcd = BackendFixture.of("bom", () -> EtcdServer.builder().start());

    private EtcdState state;

    @BeforeEach
    void connect() {
        state = etcd.closeAfter(EtcdState.connect(Patience.etcd(etcd).build()));
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
