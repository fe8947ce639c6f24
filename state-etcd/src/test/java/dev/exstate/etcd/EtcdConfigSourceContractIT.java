package dev.exstate.etcd;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.ConfigSourceContract;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The config contract against a real etcd. One etcd for the class; each test gets a fresh
 * application prefix, which is a fresh backend as far as a source can tell.
 */
@DisplayName("EtcdConfigSource passes the ConfigSource contract")
class EtcdConfigSourceContractIT extends ConfigSourceContract {
    private static EtcdServer etcd;

    private EtcdState state;
    private EtcdConfigAdmin admin;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdServer.builder().start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void freshPrefix() {
        state = EtcdState.connect(EtcdTesting.options(etcd.endpoint()).build());
        admin = state.admin();
    }

    @AfterEach
    void closeState() {
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
