package dev.exstate.config;

import java.time.Duration;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * All config values of an application at one revision. Immutable and thread-safe.
 *
 * <p>{@code revision} increases with every change in the backend (the etcd revision, a file's
 * modification counter, the in-memory store's counter), so a listener can tell old from new.
 * Typed getters throw {@link ConfigBindingException} naming the key when a value does not parse.
 *
 * @param revision the backend's revision of this snapshot
 * @param values   key to value, sorted by key
 */
public record ConfigSnapshot(long revision, Map<String, String> values) {

    public ConfigSnapshot {
        Objects.requireNonNull(values, "values");
        values = java.util.Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** An empty snapshot at revision 0. */
    public static ConfigSnapshot empty() {
        return new ConfigSnapshot(0, Map.of());
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public String getString(String key, String defaultValue) {
        return values.getOrDefault(key, defaultValue);
    }

    /** The value, or {@link NoSuchElementException} naming the key. */
    public String require(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new NoSuchElementException("config key '" + key + "' is not set (revision " + revision + ")");
        }
        return v;
    }

    public int getInt(String key, int defaultValue) {
        return get(key).map(v -> ConfigValues.parse(key, v, Integer.class)).orElse(defaultValue);
    }

    public long getLong(String key, long defaultValue) {
        return get(key).map(v -> ConfigValues.parse(key, v, Long.class)).orElse(defaultValue);
    }

    public double getDouble(String key, double defaultValue) {
        return get(key).map(v -> ConfigValues.parse(key, v, Double.class)).orElse(defaultValue);
    }

    /** {@code true}/{@code false} (case-insensitive); anything else is an error, not false. */
    public boolean getBoolean(String key, boolean defaultValue) {
        return get(key).map(v -> ConfigValues.parse(key, v, Boolean.class)).orElse(defaultValue);
    }

    /** ISO-8601 ({@code PT5S}) or a number with unit {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}. */
    public Duration getDuration(String key, Duration defaultValue) {
        return get(key).map(v -> ConfigValues.parse(key, v, Duration.class)).orElse(defaultValue);
    }

    /**
     * Binds keys {@code prefix + componentName} to a record's components. A component name
     * {@code maxItems} matches the key {@code maxItems} or {@code max-items}. Supported types:
     * String, int/long/double/boolean and their boxes, Duration, enums, {@code List<String>}
     * (comma-separated) and {@code Optional} of any of these. A missing non-Optional component,
     * or a value that does not parse, throws {@link ConfigBindingException} naming the key.
     *
     * @param prefix e.g. {@code "shop."}; empty for top-level keys
     */
    public <R extends Record> R bind(String prefix, Class<R> recordType) {
        return ConfigValues.bind(this, prefix, recordType);
    }

    /** The keys starting with {@code prefix}, with the prefix removed. */
    public Map<String, String> subtree(String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return java.util.Collections.unmodifiableMap(out);
    }
}
