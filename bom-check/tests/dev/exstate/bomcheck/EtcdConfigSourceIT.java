package dev.exstate.bomcheck;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdConfigAdmin;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.ConfigSourceContract;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The config contract on this build's classpath against a real etcd: jetcd, gRPC, Netty, Vert.x
 * and Guava at the versions the imported BOMs chose. One etcd for the class, an app prefix per test.
 */
@DisplayName("config on etcd, with the BOM's versions")
class EtcdConfigSourceIT extends ConfigSourceContract {
    private static EtcdServer etcd;
    private EtcdState state;
    private EtcdConfigAdmin admin;

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
                // the contract's watch-stall cases should not wait for the production intervals
                .watchProgressInterval(Duration.ofMillis(500))
                .watchVerifyInterval(Duration.ofMillis(500))
                .maxRetryBackoff(Duration.ofMillis(500))
                .guardPolicy(Patience.POLICY)
                .build());
        admin = state.admin();
    }

    @AfterEach
    void disconnect() {
        state.close();
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
