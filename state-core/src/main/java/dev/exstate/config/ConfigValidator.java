package dev.exstate.config;

/**
 * Decides whether a snapshot may be used. A rejected snapshot never reaches {@link ConfigSource#current()}
 * or a listener; the last good one stays in force. Binding inside the validator
 * ({@code snapshot.bind(...)}) rejects values that do not parse.
 */
@FunctionalInterface
public interface ConfigValidator {

    /** @throws RuntimeException (ideally {@link ConfigValidationException}) to reject the snapshot */
    void validate(ConfigSnapshot snapshot);

    static ConfigValidator acceptAll() {
        return snapshot -> { };
    }
}
