package dev.exstate.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks for Java strings that cannot travel unchanged: an unpaired surrogate has no UTF-8 form
 * (encoders silently write {@code ?} instead, so two different names become one), and Unicode
 * non-characters ({@code U+FFFE}, {@code U+FFFF}, {@code U+FDD0..U+FDEF}, and the last two code
 * points of every plane) are not allowed in XML 1.0 or are refused by some services. Not API, may
 * change without notice.
 */
public final class Unicode {
    private Unicode() {
    }

    /** Index of the first unpaired surrogate in {@code s}, or -1. */
    public static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return i;
            }
            if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Strict UTF-8 decoding: malformed or unmappable input is reported, never replaced with
     * {@code U+FFFD}.
     *
     * @throws CharacterCodingException if {@code bytes} are not valid UTF-8
     */
    public static String decodeUtf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    /** Whether {@code codePoint} is one of the 66 Unicode non-characters. */
    public static boolean isNonCharacter(int codePoint) {
        return (codePoint & 0xFFFE) == 0xFFFE || (codePoint >= 0xFDD0 && codePoint <= 0xFDEF);
    }

    /** Index of the first non-character in {@code s}, or -1. */
    public static int nonCharacter(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isNonCharacter(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }
}
