package dev.exstate.etcd;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.testkit.contract.ConfigSourceContract;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The config contract over mutual TLS with a private CA and etcd authentication: every source
 * logs in as a user whose role has exactly the grants {@code README.md} documents (read on the
 * config prefix); the config is written by root, as a deploy job would.
 */
@DisplayName("EtcdConfigSource over TLS as a user limited to its app passes the ConfigSource contract")
class EtcdTlsAuthConfigSourceContractIT extends ConfigSourceContract {
    private static SecuredEtcd etcd;

    private EtcdState replicas;
    private EtcdState writer;
    private EtcdConfigAdmin admin;

    @BeforeAll
    static void startEtcd() {
        etcd = SecuredEtcd.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void appUser() {
        String app = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        String user = "replica-" + app;
        String password = etcd.createAppUser(user, app);
        replicas = EtcdState.connect(etcd.options(app, user, password).build());
        writer = EtcdState.connect(etcd.rootOptions(app).build());
        admin = writer.admin();
    }

    @AfterEach
    void closeStates() {
        replicas.close();
        writer.close();
    }

    @Override
    protected ConfigSource newSource(ConfigValidator validator) {
        return replicas.configSource(validator);
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
