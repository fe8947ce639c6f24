package dev.exstate.config;

final class ConfigValues {
    private ConfigValues() {
    }

    static <T> T parse(String key, String value, Class<T> type) {
        throw new UnsupportedOperationException("TODO");
    }

    static <R extends Record> R bind(ConfigSnapshot snapshot, String prefix, Class<R> type) {
        throw new UnsupportedOperationException("TODO");
    }
}
