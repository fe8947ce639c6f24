package dev.exstate.memory;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.testkit.contract.ConfigSourceContract;
import dev.exstate.time.ManualClock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/** The in-memory config source passes the same contract as the remote ones. */
class MemoryConfigSourceContractTest extends ConfigSourceContract {
    private InMemoryBackend backend;

    @BeforeEach
    void freshBackend() {
        backend = InMemoryBackend.create(new ManualClock());
    }

    @Override
    protected ConfigSource newSource(ConfigValidator validator) {
        return backend.configSource(validator);
    }

    @Override
    protected void put(Map<String, String> values) {
        backend.putConfig(values);
    }

    @Override
    protected void delete(String key) {
        backend.deleteConfig(key);
    }
}
