package dev.exstate.etcd;

import dev.exstate.etcd.internal.EtcdConnection;
import dev.exstate.etcd.internal.EtcdKeys;
import dev.exstate.etcd.internal.EtcdLeaseBackend;
import dev.exstate.guard.Guard;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.testkit.backend.EtcdServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease contract against a real etcd (a lone member with a 250 ms election timeout, whose
 * minimum lease TTL is 1 s: the suite's TTL), with the SPI backend's promises too.
 */
@DisplayName("EtcdLeaseProvider passes the LeaseProvider contract")
class EtcdLeaseProviderContractIT extends EtcdLeaseContract {
    @RegisterExtension
    static final EtcdFixture<EtcdServer> etcd = EtcdFixture.single("it");

    @Override
    protected LeaseBackend newBackend() {
        EtcdOptions options = state().options();
        Guard guard = Guard.create(EtcdState.BACKEND, options.guardPolicy());
        // the backend's close releases the connection, whose close then closes the guard
        EtcdConnection connection = EtcdConnection.open(options, options.password(), guard::close);
        return new EtcdLeaseBackend(connection, guard, new EtcdKeys(options.keyPrefix(), options.appName()));
    }
}
