package dev.exstate.etcd;

import dev.exstate.testkit.backend.EtcdServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The config contract against a real etcd, one member for the class. */
@DisplayName("EtcdConfigSource passes the ConfigSource contract")
class EtcdConfigSourceContractIT extends EtcdConfigContract {
    @RegisterExtension
    static final EtcdFixture<EtcdServer> etcd = EtcdFixture.single("it");
}
