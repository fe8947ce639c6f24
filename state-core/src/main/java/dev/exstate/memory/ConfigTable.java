package dev.exstate.memory;


/** Shared data of an {@link InMemoryBackend}. TODO */
final class ConfigTable {
    ConfigTable() {
    }

    void putAll(java.util.Map<String, String> values) {
        throw new UnsupportedOperationException("TODO");
    }

    void delete(String key) {
        throw new UnsupportedOperationException("TODO");
    }
}
