package dev.exstate.config;

import dev.exstate.internal.Redaction;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsing of config strings into typed values, and binding of a snapshot to a record. Stateless
 * and thread-safe. Every error is a {@link ConfigBindingException} naming the key; the offending
 * value is shown only as {@link ConfigBindingException} says.
 */
final class ConfigValues {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);
    private static final String SUPPORTED = "String, int, long, double, boolean (or their boxes), Duration, "
            + "an enum, List<String>, or Optional of one of these";

    private ConfigValues() {
    }

    /**
     * Parses {@code value} of {@code key} as {@code type}: Integer, Long, Double, Boolean, Duration,
     * String, an enum (case-insensitive), or the primitive counterparts of the boxes.
     */
    @SuppressWarnings("unchecked")
    static <T> T parse(String key, String value, Class<T> type) {
        if (value == null) {
            throw new ConfigBindingException("config key '" + key + "' has no value", null);
        }
        Class<?> boxed = box(type);
        Object result;
        if (boxed == String.class) {
            result = value;
        } else if (boxed == Integer.class) {
            result = parseNumber(key, value, "int", Integer::parseInt);
        } else if (boxed == Long.class) {
            result = parseNumber(key, value, "long", Long::parseLong);
        } else if (boxed == Double.class) {
            result = parseDouble(key, value);
        } else if (boxed == Boolean.class) {
            result = parseBoolean(key, value);
        } else if (boxed == Duration.class) {
            result = parseDuration(key, value);
        } else if (boxed.isEnum()) {
            result = parseEnum(key, value, boxed);
        } else {
            throw new ConfigBindingException("config key '" + key + "': cannot convert to " + type.getName()
                    + "; supported: " + SUPPORTED, null);
        }
        return (T) result;
    }

    /** Binds {@code prefix + component} keys to the components of {@code type}, via its canonical constructor. */
    static <R extends Record> R bind(ConfigSnapshot snapshot, String prefix, Class<R> type) {
        if (type == null || !type.isRecord()) {
            throw new IllegalArgumentException("bind() needs a record type, got " + type);
        }
        String p = prefix == null ? "" : prefix;
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        List<String> missing = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        ConfigBindingException firstProblem = null;
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String exact = p + c.getName();
            String kebab = p + kebabCase(c.getName());
            String key = snapshot.values().containsKey(exact) ? exact : kebab;
            String raw = snapshot.values().get(key);
            try {
                args[i] = convert(type, c, key, raw);
                if (args[i] == null) {
                    missing.add(exact.equals(kebab) ? "'" + exact + "'" : "'" + kebab + "' (or '" + exact + "')");
                }
            } catch (ConfigBindingException e) {
                problems.add(e.getMessage());
                if (firstProblem == null) {
                    firstProblem = e;
                }
            }
        }
        if (!missing.isEmpty()) {
            problems.add(0, "missing config " + (missing.size() == 1 ? "key " : "keys ") + String.join(", ", missing)
                    + " for " + type.getSimpleName() + " (revision " + snapshot.revision() + ")");
        }
        if (!problems.isEmpty()) {
            throw new ConfigBindingException(String.join("; ", problems), firstProblem);
        }
        return construct(type, components, args);
    }

    /** The value for one component; {@code null} means missing and required. */
    private static Object convert(Class<?> recordType, RecordComponent c, String key, String raw) {
        boolean optional = c.getType() == Optional.class;
        Type target = optional ? typeArgument(recordType, c, c.getGenericType()) : c.getGenericType();
        // checked before looking at the value, so a wrong record fails even when its key is missing
        if (!isSupported(target)) {
            throw unsupported(recordType, c, target.getTypeName());
        }
        if (raw == null) {
            return optional ? Optional.empty() : null;
        }
        Object value = target instanceof Class<?> cls
                ? parse(key, raw, cls)
                : Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        return optional ? Optional.of(value) : value;
    }

    private static boolean isSupported(Type type) {
        if (type instanceof Class<?> cls) {
            return isScalar(cls);
        }
        return type instanceof ParameterizedType pt && pt.getRawType() == List.class
                && pt.getActualTypeArguments()[0] == String.class;
    }

    private static Type typeArgument(Class<?> recordType, RecordComponent c, Type generic) {
        if (generic instanceof ParameterizedType pt) {
            return pt.getActualTypeArguments()[0];
        }
        throw unsupported(recordType, c, "Optional without a type argument");
    }

    private static boolean isScalar(Class<?> cls) {
        Class<?> b = box(cls);
        return b == String.class || b == Integer.class || b == Long.class || b == Double.class
                || b == Boolean.class || b == Duration.class || b.isEnum();
    }

    private static ConfigBindingException unsupported(Class<?> recordType, RecordComponent c, String what) {
        return new ConfigBindingException("record " + recordType.getSimpleName() + " component '" + c.getName()
                + "' has unsupported type " + what + "; supported: " + SUPPORTED, null);
    }

    private static <R extends Record> R construct(Class<R> type, RecordComponent[] components, Object[] args) {
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            // records nested in a non-public class (typical in tests and services) are not public
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new ConfigBindingException("config rejected by " + type.getSimpleName() + ": "
                    + cause.getMessage(), cause);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ConfigBindingException("cannot construct " + type.getName() + " through its canonical constructor: "
                    + e, e);
        }
    }

    /** {@code maxItems} -> {@code max-items}; {@code httpURLPath} -> {@code http-url-path}. */
    static String kebabCase(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isUpperCase(ch) && i > 0) {
                char prev = name.charAt(i - 1);
                boolean nextIsLower = i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1));
                if (Character.isLowerCase(prev) || Character.isDigit(prev) || (Character.isUpperCase(prev) && nextIsLower)) {
                    out.append('-');
                }
            }
            out.append(Character.toLowerCase(ch));
        }
        return out.toString();
    }

    private static Class<?> box(Class<?> type) {
        if (!type.isPrimitive()) {
            return type;
        }
        if (type == int.class) {
            return Integer.class;
        }
        if (type == long.class) {
            return Long.class;
        }
        if (type == double.class) {
            return Double.class;
        }
        if (type == boolean.class) {
            return Boolean.class;
        }
        return type;
    }

    private interface NumberParser {
        Object parse(String s);
    }

    private static Object parseNumber(String key, String value, String typeName, NumberParser parser) {
        try {
            return parser.parse(value.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a valid " + typeName, e);
        }
    }

    private static Double parseDouble(String key, String value) {
        String v = value.trim();
        // Double.parseDouble also takes "NaN", "1d" or hex; a config value means a plain decimal
        if (!DECIMAL.matcher(v).matches()) {
            throw invalid(key, value, "a valid number", null);
        }
        double d = Double.parseDouble(v);
        if (Double.isInfinite(d)) {
            throw invalid(key, value, "a finite number", null);
        }
        return d;
    }

    private static Boolean parseBoolean(String key, String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (v.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        throw invalid(key, value, "a valid boolean (true or false)", null);
    }

    private static Duration parseDuration(String key, String value) {
        String v = value.trim();
        Matcher m = SIMPLE_DURATION.matcher(v);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            return Duration.parse(v);
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            throw invalid(key, value, "a valid duration (ISO-8601 like PT5S, or a number with unit ms, s, m, h or d like 250ms)", e);
        }
    }

    private static Object parseEnum(String key, String value, Class<?> enumType) {
        String v = value.trim();
        for (Object constant : enumType.getEnumConstants()) {
            if (((Enum<?>) constant).name().equalsIgnoreCase(v)) {
                return constant;
            }
        }
        throw invalid(key, value, "one of " + Arrays.toString(enumType.getEnumConstants()), null);
    }

    private static ConfigBindingException invalid(String key, String value, String expected, Throwable ignored) {
        // no cause: a parser's message repeats the raw value, which may be a secret
        return new ConfigBindingException("config key '" + key + "' = " + shown(key, value) + " is not " + expected, null);
    }

    /** The value as it may appear in a message, by the rule {@link ConfigBindingException} documents. */
    static String shown(String key, String value) {
        if (Redaction.isSecretName(key)) {
            return "<masked>";
        }
        String v = value.indexOf('@') >= 0 || value.contains("://") ? Redaction.url(value) : value;
        return "'" + Redaction.printable(v, 100) + "'";
    }
}
