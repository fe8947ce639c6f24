package dev.exstate.etcd;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.testkit.contract.ConfigSourceContract;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/**
 * The config contract on the etcd of an {@link EtcdFixture}; each subclass registers the fixture of
 * one setup, which JUnit hands in. Each test gets a fresh application prefix, which is a fresh
 * backend as far as a source can tell.
 */
abstract class EtcdConfigContract extends ConfigSourceContract {
    private EtcdState replicas;
    private EtcdConfigAdmin admin;

    /** Who writes the config: by default the replicas' own connection. */
    EtcdConfigAdmin writer(EtcdState replicas) {
        return replicas.admin();
    }

    @BeforeEach
    void connect(EtcdFixture<?> etcd) {
        replicas = etcd.state();
        admin = writer(replicas);
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
