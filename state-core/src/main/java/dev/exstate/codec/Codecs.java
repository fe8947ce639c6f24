package dev.exstate.codec;

import dev.exstate.internal.Unicode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/** The built-in codecs behind {@link Codec#bytes()}, {@link Codec#utf8()} and {@link Codec#longs()}. */
final class Codecs {
    static final Codec<byte[]> BYTES = new BytesCodec();
    static final Codec<String> UTF8 = new Utf8Codec();
    static final Codec<Long> LONGS = new LongCodec();

    private Codecs() {
    }

    private static final class BytesCodec implements Codec<byte[]> {
        @Override
        public byte[] encode(byte[] value) {
            return Objects.requireNonNull(value, "value").clone();
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return Objects.requireNonNull(bytes, "bytes").clone();
        }

        @Override
        public String toString() {
            return "Codec.bytes()";
        }
    }

    private static final class Utf8Codec implements Codec<String> {
        @Override
        public byte[] encode(String value) {
            Objects.requireNonNull(value, "value");
            if (!hasSurrogates(value)) {
                return value.getBytes(StandardCharsets.UTF_8); // fast path: cannot be malformed
            }
            try {
                ByteBuffer out = StandardCharsets.UTF_8.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(value));
                return Arrays.copyOfRange(out.array(), out.arrayOffset() + out.position(), out.arrayOffset() + out.limit());
            } catch (CharacterCodingException e) {
                // getBytes would silently write '?' for a lone surrogate; refuse instead.
                throw new CodecException("cannot encode String as UTF-8: it contains an unpaired surrogate", null);
            }
        }

        @Override
        public String decode(byte[] bytes) {
            return decodeUtf8(bytes, "String");
        }

        private static boolean hasSurrogates(String s) {
            for (int i = 0; i < s.length(); i++) {
                if (Character.isSurrogate(s.charAt(i))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return "Codec.utf8()";
        }
    }

    private static final class LongCodec implements Codec<Long> {
        @Override
        public byte[] encode(Long value) {
            return Long.toString(Objects.requireNonNull(value, "value")).getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public Long decode(byte[] bytes) {
            Objects.requireNonNull(bytes, "bytes");
            if (!isDecimal(bytes)) {
                throw notALong(bytes);
            }
            try {
                return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                // NumberFormatException's message repeats the input: do not chain it.
                throw notALong(bytes);
            }
        }

        private static boolean isDecimal(byte[] b) {
            int start = b.length > 0 && b[0] == '-' ? 1 : 0;
            if (b.length == start || b.length - start > 19) {
                return false;
            }
            for (int i = start; i < b.length; i++) {
                if (b[i] < '0' || b[i] > '9') {
                    return false;
                }
            }
            return true;
        }

        private static CodecException notALong(byte[] bytes) {
            return new CodecException("cannot decode Long: the " + bytes.length
                    + " stored bytes are not a decimal integer in the range of a long", null);
        }

        @Override
        public String toString() {
            return "Codec.longs()";
        }
    }

    /** Strict UTF-8: malformed input is an error, never replaced with U+FFFD. */
    static String decodeUtf8(byte[] bytes, String targetType) {
        Objects.requireNonNull(bytes, "bytes");
        if (isAscii(bytes)) {
            // fast path for the common case (ids, flags, numbers): ASCII cannot be malformed
            return new String(bytes, StandardCharsets.US_ASCII);
        }
        try {
            return Unicode.decodeUtf8(bytes);
        } catch (CharacterCodingException e) {
            throw new CodecException("cannot decode " + targetType + ": the " + bytes.length
                    + " stored bytes are not valid UTF-8", e);
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
