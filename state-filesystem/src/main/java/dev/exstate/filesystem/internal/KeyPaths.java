package dev.exstate.filesystem.internal;

import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.internal.BlobValues;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Where a key lives under the blobs directory. Each {@code /}-separated segment of a key becomes
 * one name: bytes other than {@code a-z 0-9 _ -} (and {@code .} except in first place) are written
 * as {@code %XX}, so names are ASCII, never hidden, never {@code .} or {@code ..}, and distinct
 * even on a case-insensitive file system. A name longer than {@value #MAX_NAME_CHARS} characters is
 * replaced by {@code ~} and the hex SHA-256 of the segment (file names are limited to 255 bytes);
 * such a directory keeps its segment in a file {@value #SEGMENT_FILE}, such a blob in its trailer.
 * Leading segments are directories {@code <name>.d}; the last is the blob {@code <name>.b}, beside
 * its lock {@code <name>.lock}. Because the suffixes differ, the key {@code a} (file {@code a.b})
 * and the keys under {@code a/} (directory {@code a.d}) never collide. Not API.
 */
public final class KeyPaths {
    public static final String BLOB_SUFFIX = ".b";
    public static final String DIR_SUFFIX = ".d";
    public static final String LOCK_SUFFIX = ".lock";
    /** Inside a directory whose name is hashed: the segment it stands for, UTF-8. */
    public static final String SEGMENT_FILE = "~segment";
    static final int MAX_NAME_CHARS = 200;
    /** Longest path below the blobs directory; with a root of at most 512 characters, well within Linux's 4096. */
    static final int MAX_RELATIVE_CHARS = 3400;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private KeyPaths() {
    }

    /** The name standing for one key segment, without suffix. */
    public static String name(String segment) {
        byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            boolean plain = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '_' || b == '-' || (b == '.' && i > 0);
            if (plain) {
                out.append((char) b);
            } else {
                out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
            }
            if (out.length() > MAX_NAME_CHARS) {
                return hashed(segment);
            }
        }
        return out.toString();
    }

    /** True if {@code name} is a hashed one, whose segment cannot be decoded from it. */
    public static boolean isHashed(String name) {
        return name.startsWith("~");
    }

    /** The segment a name (without suffix) stands for, or {@code null} if it is hashed or not a name this class writes. */
    public static String segment(String name) {
        if (name.isEmpty() || isHashed(name)) {
            return null;
        }
        byte[] out = new byte[name.length()];
        int n = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%') {
                if (i + 2 >= name.length()) {
                    return null;
                }
                int hi = Character.digit(name.charAt(i + 1), 16);
                int lo = Character.digit(name.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                out[n++] = (byte) c;
            } else {
                return null;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** The directory holding {@code key}'s blob, under {@code blobs}; the key must be valid. */
    public static Path directory(Path blobs, String key) {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? blobs : directoryOfPrefix(blobs, key.substring(0, slash + 1));
    }

    /** The directory of the keys starting with {@code dirPrefix}, which is empty or ends with '/'. */
    public static Path directoryOfPrefix(Path blobs, String dirPrefix) {
        Path dir = blobs;
        int start = 0;
        int length = 0;
        for (int slash = dirPrefix.indexOf('/'); slash >= 0; slash = dirPrefix.indexOf('/', start)) {
            String name = name(dirPrefix.substring(start, slash)) + DIR_SUFFIX;
            length += name.length() + 1;
            dir = dir.resolve(name);
            start = slash + 1;
        }
        if (length > MAX_RELATIVE_CHARS) {
            throw new InvalidBlobKeyException("blob key '" + dirPrefix + "...' needs a path of " + length
                    + " characters in the file-system store, more than " + MAX_RELATIVE_CHARS + "; use fewer or shorter segments");
        }
        return dir;
    }

    /** The last segment of a valid key. */
    public static String lastSegment(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    /** Hex SHA-256 of {@code segment}, after {@code ~}. */
    static String hashed(String segment) {
        return "~" + HexFormat.of().formatHex(BlobValues.sha256().digest(segment.getBytes(StandardCharsets.UTF_8)));
    }
}
