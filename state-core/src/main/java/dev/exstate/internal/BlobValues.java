package dev.exstate.internal;

import dev.exstate.blob.BlobKeys;
import dev.exstate.blob.PutOptions;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What blob stores share: the checks of a put's and a list's arguments, and for stores that
 * compute their own etags the SHA-256 that makes an etag, the form an etag is compared in, and
 * metadata keys as stored. Not API, may change without notice.
 */
public final class BlobValues {
    /** The most keys one list page may ask for, in every store (S3's own limit). */
    public static final int MAX_LIST_KEYS = 1000;

    private BlobValues() {
    }

    /** Checks a put's arguments before anything is read or written. */
    public static void checkPut(String key, InputStream content, long length, PutOptions options) {
        BlobKeys.validate(key);
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(options, "options");
        checkLength(length);
    }

    /** A blob's length: known ({@code >= 0}) or unknown ({@code -1}). */
    public static void checkLength(long length) {
        if (length < -1) {
            throw new IllegalArgumentException("blob length must be >= 0 or -1 (unknown), was " + length);
        }
    }

    /** A list page's size: 1 to {@link #MAX_LIST_KEYS}. */
    public static void checkMaxKeys(int maxKeys) {
        if (maxKeys < 1 || maxKeys > MAX_LIST_KEYS) {
            throw new IllegalArgumentException("maxKeys must be between 1 and " + MAX_LIST_KEYS + ", was " + maxKeys);
        }
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** The etag of content with this digest: quoted lower-case hex. */
    public static String etag(MessageDigest sha) {
        return "\"" + HexFormat.of().formatHex(sha.digest()) + "\"";
    }

    /** The etag without its quotes, for comparing a given etag with a stored one. */
    public static String unquote(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
    }

    /** User metadata as stored: keys lower-cased. */
    public static Map<String, String> lowerCaseKeys(Map<String, String> metadata) {
        Map<String, String> lower = new HashMap<>();
        metadata.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        return lower;
    }
}
