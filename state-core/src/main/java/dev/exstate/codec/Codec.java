package dev.exstate.codec;

/**
 * Turns values into stored bytes and back. exstate never uses Java serialization: stored bytes
 * may come from another replica, another version, or an attacker, and decoding them must not
 * run code. Implementations must be thread-safe and stateless.
 *
 * @param <T> the value type
 */
public interface Codec<T> {

    /** Encodes a non-null value. */
    byte[] encode(T value);

    /** Decodes bytes produced by {@link #encode}; throws {@link CodecException} on bad input. */
    T decode(byte[] bytes);

    /** Identity codec: the bytes as given (copied, so later changes to the array are not seen). */
    static Codec<byte[]> bytes() {
        return Codecs.BYTES;
    }

    /** UTF-8 text; malformed input is rejected, not replaced. */
    static Codec<String> utf8() {
        return Codecs.UTF8;
    }

    /** UTF-8 decimal long, so that backends can increment it natively. */
    static Codec<Long> longs() {
        return Codecs.LONGS;
    }

    /**
     * JSON via Jackson, for records and plain objects. Unknown properties are ignored, so a
     * newer replica's values stay readable by an older one during a rolling deploy. Polymorphic
     * default typing is never enabled.
     */
    static <T> Codec<T> json(Class<T> type) {
        return new JsonCodec<>(type, JsonCodec.defaultMapper());
    }

    /** JSON with the caller's {@link com.fasterxml.jackson.databind.ObjectMapper}. */
    static <T> Codec<T> json(Class<T> type, com.fasterxml.jackson.databind.ObjectMapper mapper) {
        return new JsonCodec<>(type, mapper);
    }
}
