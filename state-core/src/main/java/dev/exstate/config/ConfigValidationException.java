package dev.exstate.config;

import java.util.List;

/**
 * A snapshot failed validation. Thrown by a {@link ConfigValidator}; the source then keeps the
 * last good snapshot and reports the rejection through {@link ConfigSource#lastRejection()}.
 */
public class ConfigValidationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public ConfigValidationException(List<String> problems) {
        super("config rejected: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigValidationException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
