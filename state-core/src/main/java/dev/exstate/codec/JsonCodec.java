package dev.exstate.codec;

import com.fasterxml.jackson.databind.ObjectMapper;

final class JsonCodec<T> implements Codec<T> {
    JsonCodec(Class<T> type, ObjectMapper mapper) {
    }

    static ObjectMapper defaultMapper() {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public byte[] encode(T value) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public T decode(byte[] bytes) {
        throw new UnsupportedOperationException("TODO");
    }
}
