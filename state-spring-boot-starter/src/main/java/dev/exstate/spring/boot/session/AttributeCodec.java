package dev.exstate.spring.boot.session;

import dev.exstate.codec.Codec;
import dev.exstate.codec.CodecException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Session attribute values as JSON behind a type tag: {@code <tag>\n<json>}. The tag is
 * {@code map}, {@code list}, {@code set} or a class name; a class is read back only if it is one of
 * a few JDK value types or lies in an allowed package, so stored bytes cannot choose an arbitrary
 * class (the reason exstate never uses Java serialization nor Jackson's default typing). Values
 * nested in a map, list or set come back as JSON types (map, list, string, number, boolean).
 */
final class AttributeCodec {
    private static final Map<String, Class<?>> JDK_TYPES = Map.ofEntries(
            Map.entry("java.lang.String", String.class), Map.entry("java.lang.Boolean", Boolean.class),
            Map.entry("java.lang.Integer", Integer.class), Map.entry("java.lang.Long", Long.class),
            Map.entry("java.lang.Double", Double.class), Map.entry("java.lang.Float", Float.class),
            Map.entry("java.lang.Short", Short.class), Map.entry("java.lang.Byte", Byte.class),
            Map.entry("java.math.BigDecimal", BigDecimal.class), Map.entry("java.math.BigInteger", BigInteger.class));
    private static final Map<String, Class<?>> COLLECTIONS = Map.of("map", Map.class, "list", List.class, "set", Set.class);

    private final List<String> packagePrefixes;
    private final ClassLoader classLoader;
    private final Map<Class<?>, Codec<Object>> codecs = new ConcurrentHashMap<>();

    AttributeCodec(List<String> allowedPackages, ClassLoader classLoader) {
        this.packagePrefixes = allowedPackages.stream().map(p -> p.endsWith(".") ? p : p + ".").toList();
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
    }

    List<String> allowedPackages() {
        return packagePrefixes.stream().map(p -> p.substring(0, p.length() - 1)).toList();
    }

    /**
     * The stored form of {@code value}, checked to read back as written.
     *
     * @throws CodecException naming the attribute, if the value's type is not allowed, cannot be
     *                        written as JSON, or does not read back to the same JSON
     */
    byte[] encode(String name, Object value) {
        String tag = tagOf(value);
        Class<?> type = typeOf(tag);
        if (type == null) {
            throw new CodecException("session attribute '" + name + "': a " + tag + " cannot be stored. exstate "
                    + "stores session attributes as JSON and reads back only String, Boolean, Integer, Long, Double, "
                    + "Float, Short, Byte, BigDecimal, BigInteger, Map, List, Set, and records, beans and enums in the "
                    + "packages " + allowedPackages() + " (exstate.session.http.attribute-packages)", null);
        }
        Codec<Object> codec = codec(type);
        byte[] json;
        try {
            json = codec.encode(value);
            // a bean without setters or creator writes fine and fails (or loses data) on the way back
            if (!Arrays.equals(json, codec.encode(codec.decode(json)))) {
                throw new CodecException("it does not read back as written (a property without setter or creator?)", null);
            }
        } catch (CodecException e) {
            throw new CodecException("session attribute '" + name + "': a " + tag + " cannot be stored as JSON: "
                    + e.getMessage(), e);
        }
        byte[] head = (tag + '\n').getBytes(StandardCharsets.UTF_8);
        byte[] stored = Arrays.copyOf(head, head.length + json.length);
        System.arraycopy(json, 0, stored, head.length, json.length);
        return stored;
    }

    /** @throws CodecException naming the attribute, if the bytes are not what {@link #encode} wrote */
    Object decode(String name, byte[] stored) {
        int newline = -1;
        for (int i = 0; i < stored.length && i < 1024; i++) {
            if (stored[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            throw new CodecException("session attribute '" + name + "' was not stored by ExstateSessionRepository "
                    + "(no type tag); remove it or the session", null);
        }
        String tag = new String(stored, 0, newline, StandardCharsets.UTF_8);
        Class<?> type = typeOf(tag);
        if (type == null) {
            throw new CodecException("session attribute '" + name + "' holds a " + tag + ", which is not an allowed "
                    + "type (packages " + allowedPackages() + ", exstate.session.http.attribute-packages)", null);
        }
        try {
            return codec(type).decode(Arrays.copyOfRange(stored, newline + 1, stored.length));
        } catch (CodecException e) {
            throw new CodecException("session attribute '" + name + "': " + e.getMessage(), e);
        }
    }

    private static String tagOf(Object value) {
        if (value instanceof Map<?, ?>) {
            return "map";
        }
        if (value instanceof List<?>) {
            return "list";
        }
        if (value instanceof Set<?>) {
            return "set";
        }
        // an enum constant with a body is an anonymous subclass; its enum type is what is read back
        return value instanceof Enum<?> e ? e.getDeclaringClass().getName() : value.getClass().getName();
    }

    /** The class a tag stands for, or null if it is not allowed (or not loadable). */
    private Class<?> typeOf(String tag) {
        Class<?> known = COLLECTIONS.getOrDefault(tag, JDK_TYPES.get(tag));
        if (known != null) {
            return known;
        }
        if (packagePrefixes.stream().noneMatch(tag::startsWith)) {
            return null;
        }
        try {
            Class<?> type = Class.forName(tag, false, classLoader);
            return type.isArray() || type.isInterface() || type.isAnonymousClass() || type.isLocalClass() ? null : type;
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private Codec<Object> codec(Class<?> type) {
        return codecs.computeIfAbsent(type, t -> (Codec<Object>) Codec.json(t));
    }
}
