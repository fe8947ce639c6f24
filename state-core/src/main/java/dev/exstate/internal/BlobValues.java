package dev.exstate.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * What blob stores that compute their own etags share: the SHA-256 that makes an etag, the form
 * an etag is compared in, and metadata keys as stored. Not API, may change without notice.
 */
public final class BlobValues {
    private BlobValues() {
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
