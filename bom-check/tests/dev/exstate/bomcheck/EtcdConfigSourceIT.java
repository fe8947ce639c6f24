package dev.exstate.bomcheck;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdConfigAdmin;
import dev.exstate.etcd.EtcdState;
import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.ConfigSourceContract;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The config contract on this build's classpath against a real etcd: jetcd, gRPC, Netty, Vert.x
 * and Guava at the versions the imported BOMs chose. One etcd for the class, an app prefix per test.
 */
@DisplayName("config on etcd, with the BOM's versions")
class EtcdConfigSourceIT extends ConfigSourceContract {
    @RegisterExtension
    static final BackendFixture<EtcdServer> etcd = BackendFixture.of("bom", () -> EtcdServer.builder().start());
    private EtcdState state;
    private EtcdConfigAdmin admin;

    @BeforeEach
    void connect() {
        state = etcd.closeAfter(EtcdState.connect(Patience.etcd(etcd)
                // the contract's watch-stall cases should not wait for the production intervals
                .watchProgressInterval(Duration.ofMillis(500))
                .watchVerifyInterval(Duration.ofMillis(500))
                .maxRetryBackoff(Duration.ofMillis(500))
                .build()));
        admin = state.admin();
    }

    @Override
    protected ConfigSource newSource(ConfigValidator validator) {
        return state.configSource(validator);
    }

    @Override
    protected void put(Map<String, String> values) {
        admin.putAll(values);
    }

    @Override
    protected void delete(String key) {
        admin.delete(key);
    }
}
