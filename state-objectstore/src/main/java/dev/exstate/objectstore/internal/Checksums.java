package dev.exstate.objectstore.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Digests and ETags, for verified downloads. S3 (and MinIO, s3proxy) report the ETag of a
 * single-request upload as the hex MD5 of the content, and of a multipart upload as the hex MD5
 * of the concatenated binary MD5s of its parts, followed by {@code -<part count>}; servers that
 * encrypt with KMS keys report something else, in which case there is nothing to compare. Not API.
 */
public final class Checksums {
    private static final Pattern MD5_ETAG = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern MULTIPART_ETAG = Pattern.compile("[0-9a-f]{32}-[1-9][0-9]*");

    private Checksums() {
    }

    public static MessageDigest md5() {
        return digest("MD5");
    }

    public static MessageDigest sha256() {
        return digest("SHA-256");
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every Java platform", e);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** {@code "abc"} from {@code abc} or {@code "abc"}: the form {@link dev.exstate.blob.BlobInfo#etag()} uses. */
    public static String quote(String etag) {
        if (etag == null) {
            return null;
        }
        String bare = unquote(etag);
        return "\"" + bare + "\"";
    }

    public static String unquote(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }

    /** Whether {@code etag} (quoted or not) is the hex MD5 of a single-request upload. */
    public static boolean isMd5Etag(String etag) {
        return etag != null && MD5_ETAG.matcher(unquote(etag).toLowerCase(java.util.Locale.ROOT)).matches();
    }

    /** Whether {@code etag} (quoted or not) has the multipart form {@code <md5 of md5s>-<parts>}. */
    public static boolean isMultipartEtag(String etag) {
        return etag != null && MULTIPART_ETAG.matcher(unquote(etag).toLowerCase(java.util.Locale.ROOT)).matches();
    }

    public static boolean sameEtag(String a, String b) {
        return a != null && b != null && unquote(a).equalsIgnoreCase(unquote(b));
    }

    /**
     * The ETag of a multipart object built incrementally, one part digest at a time, so it can be
     * computed while streaming without keeping every part's MD5.
     */
    public static final class MultipartEtag {
        private final MessageDigest ofPartDigests = md5();
        private int parts;

        public void addPart(byte[] partMd5) {
            ofPartDigests.update(partMd5);
            parts++;
        }

        public int parts() {
            return parts;
        }

        /** {@code <hex>-<parts>}, unquoted. Call once. */
        public String finish() {
            return hex(ofPartDigests.digest()) + "-" + parts;
        }
    }
}
