package dev.exstate.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The checks the builders make on a setting as it is given: the value comes back if it is
 * allowed, otherwise an {@link IllegalArgumentException} (or {@link NullPointerException} for a
 * {@code null}) names the setting, the allowed range and the refused value. Not API, may change
 * without notice.
 */
public final class Check {
    private Check() {
    }

    /** {@code value} if {@code ok}; otherwise an {@link IllegalArgumentException} with {@code message}. */
    public static <T> T valid(T value, boolean ok, Supplier<String> message) {
        if (!ok) {
            throw new IllegalArgumentException(message.get());
        }
        return value;
    }

    /** {@code value} if {@code ok}; otherwise an {@link IllegalArgumentException} with {@code message}. */
    public static int valid(int value, boolean ok, Supplier<String> message) {
        if (!ok) {
            throw new IllegalArgumentException(message.get());
        }
        return value;
    }

    /** {@code value} if {@code ok}; otherwise an {@link IllegalArgumentException} with {@code message}. */
    public static long valid(long value, boolean ok, Supplier<String> message) {
        if (!ok) {
            throw new IllegalArgumentException(message.get());
        }
        return value;
    }

    /** {@code value} if it lies in [min, max]; otherwise "{@code name} must be between min and max, was value". */
    public static int between(int value, int min, int max, String name) {
        return valid(value, value >= min && value <= max,
                () -> name + " must be between " + min + " and " + max + ", was " + value);
    }

    /** {@code d} if it is above zero and at most {@code max}; otherwise "{@code name} must be positive and at most max, was d". */
    public static Duration positive(Duration d, Duration max, String name) {
        Objects.requireNonNull(d, name);
        return valid(d, !d.isNegative() && !d.isZero() && d.compareTo(max) <= 0,
                () -> name + " must be positive and at most " + max + ", was " + d);
    }

    /**
     * {@code d} if it lies in [min, max], compared as durations (converting a huge one to a number
     * would overflow); otherwise an {@link IllegalArgumentException} with {@code message}.
     */
    public static Duration between(Duration d, Duration min, Duration max, String name, Supplier<String> message) {
        Objects.requireNonNull(d, name);
        return valid(d, d.compareTo(min) >= 0 && d.compareTo(max) <= 0, message);
    }
}
