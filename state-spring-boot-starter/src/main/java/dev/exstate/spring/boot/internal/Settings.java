package dev.exstate.spring.boot.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Applies property values to one exstate builder and turns the builder's validation errors into
 * {@link InvalidConfigurationPropertyValueException}s naming the property, so a bad value fails
 * start-up with "exstate.redis.command-timeout ... is invalid: commandTimeout must be positive".
 * The builders stay the one place that validates: nothing is checked here.
 *
 * <p>A setter that throws is blamed directly. An error from {@link #build} (a rule across settings,
 * or a builder that checks only when it builds) is blamed on the property whose Java name appears
 * first in the message; if none does, on the group ({@code exstate.redis}). Values of secrets are
 * never put in an error.
 */
public final class Settings<B> {
    private static final String HIDDEN = "******";

    private final String prefix;
    private final B builder;
    private final List<Applied> applied = new ArrayList<>();

    private Settings(String prefix, B builder) {
        this.prefix = prefix;
        this.builder = builder;
    }

    /** Settings of the properties under {@code prefix} (e.g. {@code exstate.redis}) on {@code builder}. */
    public static <B> Settings<B> of(String prefix, B builder) {
        return new Settings<>(prefix, builder);
    }

    /**
     * Creates a builder from one property (e.g. a factory taking the URI); an exception from
     * {@code factory} is blamed on that property. Its value is never put in an error, since an
     * address may carry credentials (the builders' own messages show it redacted).
     */
    public static <V, B> Settings<B> from(String prefix, String property, V value, Function<V, B> factory, String... alsoNamed) {
        B b;
        try {
            b = factory.apply(value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid(prefix + "." + property, HIDDEN, e);
        }
        Settings<B> s = new Settings<>(prefix, b);
        s.applied.add(new Applied(property, value, true, alsoNamed));
        return s;
    }

    /** The builder, for settings that need no error mapping. */
    public B builder() {
        return builder;
    }

    /**
     * Passes {@code value} to {@code setter} unless it is null. {@code alsoNamed} are further words
     * by which the builder's messages refer to this property.
     */
    public <V> Settings<B> set(String property, V value, BiConsumer<B, V> setter, String... alsoNamed) {
        return apply(property, value, false, setter, alsoNamed);
    }

    /** As {@link #set}, for a secret: its value never appears in an error. */
    public <V> Settings<B> secret(String property, V value, BiConsumer<B, V> setter, String... alsoNamed) {
        return apply(property, value, true, setter, alsoNamed);
    }

    private <V> Settings<B> apply(String property, V value, boolean secret, BiConsumer<B, V> setter, String... alsoNamed) {
        if (value == null) {
            return this;
        }
        Applied a = new Applied(property, value, secret, alsoNamed);
        applied.add(a);
        try {
            setter.accept(builder, value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid(prefix + "." + property, a.shown(), e);
        }
        return this;
    }

    /** Builds; a validation error names the property it is about (see the class comment). */
    public <T> T build(Function<B, T> build) {
        try {
            return build.apply(builder);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw blame(e);
        }
    }

    /** The error for {@code e}, thrown by something built from these settings. */
    public InvalidConfigurationPropertyValueException blame(RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        Applied best = null;
        int bestAt = Integer.MAX_VALUE;
        for (Applied a : applied) {
            int at = a.firstMention(message);
            if (at >= 0 && at < bestAt) {
                best = a;
                bestAt = at;
            }
        }
        if (best == null) {
            return invalid(prefix, null, e);
        }
        return invalid(prefix + "." + best.property, best.shown(), e);
    }

    static InvalidConfigurationPropertyValueException invalid(String name, Object value, RuntimeException cause) {
        String reason = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        InvalidConfigurationPropertyValueException e = new InvalidConfigurationPropertyValueException(name, value, reason);
        // its public constructor takes no cause; the builder's exception stays reachable for debugging
        e.addSuppressed(cause);
        return e;
    }

    /** {@code command-timeout} as the builders call it: {@code commandTimeout}. */
    static String camel(String kebab) {
        StringBuilder sb = new StringBuilder(kebab.length());
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private record Applied(String property, Object value, boolean secret, String[] alsoNamed) {
        Object shown() {
            return secret ? HIDDEN : value;
        }

        /** Where the message first names this property as a word, or -1. */
        int firstMention(String message) {
            int first = -1;
            List<String> names = new ArrayList<>(List.of(alsoNamed));
            names.add(camel(property));
            for (String name : names) {
                Matcher m = Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(name) + "(?![A-Za-z0-9])").matcher(message);
                if (m.find() && (first < 0 || m.start() < first)) {
                    first = m.start();
                }
            }
            return first;
        }
    }
}
