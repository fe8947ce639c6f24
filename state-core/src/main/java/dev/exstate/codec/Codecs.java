package dev.exstate.codec;

final class Codecs {
    static final Codec<byte[]> BYTES = null; // TODO
    static final Codec<String> UTF8 = null; // TODO
    static final Codec<Long> LONGS = null; // TODO

    private Codecs() {
    }
}
