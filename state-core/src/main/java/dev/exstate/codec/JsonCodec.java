package dev.exstate.codec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * JSON via Jackson for one target type. Thread-safe (uses an {@link ObjectReader} and
 * {@link ObjectWriter} derived once from the mapper).
 *
 * <p>Error messages name the target type, the kind of problem and where it is (line, column,
 * property path) but never contain the stored bytes: Jackson's own messages quote the offending
 * token or value, so they are not used as messages, and such exceptions are not chained.
 */
final class JsonCodec<T> implements Codec<T> {
    private final Class<T> type;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    JsonCodec(Class<T> type, ObjectMapper mapper) {
        this.type = Objects.requireNonNull(type, "type");
        Objects.requireNonNull(mapper, "mapper");
        if (mapper.getDeserializationConfig().getDefaultTyper(mapper.constructType(type)) != null) {
            throw new IllegalArgumentException("the ObjectMapper for " + type.getName() + " has default typing "
                    + "enabled; exstate refuses it because it lets stored bytes choose which classes are "
                    + "instantiated. Use a mapper without activateDefaultTyping/enableDefaultTyping");
        }
        this.reader = mapper.readerFor(type);
        this.writer = mapper.writerFor(type);
    }

    /**
     * Unknown properties ignored (rolling deploys), trailing garbage rejected, no source excerpts
     * in Jackson's locations, no default typing. No JavaTimeModule: it is not a dependency.
     */
    static ObjectMapper defaultMapper() {
        return DefaultMapper.INSTANCE;
    }

    private static final class DefaultMapper {
        static final ObjectMapper INSTANCE = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .build();
    }

    @Override
    public byte[] encode(T value) {
        Objects.requireNonNull(value, "value");
        try {
            return writer.writeValueAsBytes(value);
        } catch (InvalidDefinitionException e) {
            // A problem with the type itself (no serializer); its message holds no value data.
            throw new CodecException("cannot encode " + type.getName() + " as JSON: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new CodecException("cannot encode " + type.getName() + " as JSON: " + where(e), null);
        }
    }

    @Override
    public T decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        T value;
        try {
            value = reader.readValue(bytes);
        } catch (InvalidDefinitionException e) {
            throw new CodecException("cannot decode " + type.getName() + " from JSON: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new CodecException("cannot decode " + type.getName() + " from JSON: " + where(e), null);
        } catch (IOException e) {
            throw new CodecException("cannot decode " + type.getName() + " from JSON: " + e.getClass().getSimpleName(), null);
        }
        if (value == null) {
            throw new CodecException("cannot decode " + type.getName() + " from JSON: the stored value is JSON null", null);
        }
        return value;
    }

    /** Kind of error, property path and location; nothing taken from the input itself. */
    private static String where(JsonProcessingException e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName());
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            sb.append(" at property ").append(path(m));
        }
        JsonLocation loc = e.getLocation();
        if (loc != null && loc.getLineNr() > 0) {
            sb.append(" (line ").append(loc.getLineNr()).append(", column ").append(loc.getColumnNr()).append(')');
        }
        return sb.toString();
    }

    /** Property names and indexes; map keys are data, so they are elided. */
    private static String path(JsonMappingException m) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : m.getPath()) {
            Object from = ref.getFrom();
            if (ref.getIndex() >= 0 || from instanceof Collection<?> || (from != null && from.getClass().isArray())) {
                sb.append('[').append(ref.getIndex() >= 0 ? Integer.toString(ref.getIndex()) : "?").append(']');
            } else if (from instanceof Map<?, ?> || (from instanceof Class<?> c && Map.class.isAssignableFrom(c))
                    || ref.getFieldName() == null) {
                sb.append(".<key>");
            } else {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Codec.json(" + type.getName() + ")";
    }
}
