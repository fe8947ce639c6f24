package dev.exstate.objectstore.internal;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.PutOptions;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import okhttp3.Headers;

/**
 * User metadata and the store's own metadata on S3 objects ({@code x-amz-meta-*} headers), and
 * {@link BlobInfo} built from response headers. The store's own keys start with
 * {@value #RESERVED_PREFIX}: they are hidden from {@link BlobInfo#metadata()} and users may not
 * set them. Not API.
 */
public final class ObjectMeta {
    public static final String RESERVED_PREFIX = "exstate-";
    /** Hex SHA-256 of the whole content, when known before the object was created. */
    public static final String SHA256 = "exstate-sha256";
    /** Part size of a multipart upload, so a reader can recompute the multipart ETag. */
    public static final String PART_SIZE = "exstate-part-size";
    /** Random id of the put that wrote the object: tells a retry whether its lost first attempt landed. */
    public static final String WRITE_ID = "exstate-write-id";

    /**
     * The content type exactly as given, kept when it has parameters: some servers rewrite
     * {@code text/plain; charset=utf-8} as {@code text/plain;charset=utf-8}.
     */
    public static final String CONTENT_TYPE = "exstate-content-type";

    private static final String HEADER_PREFIX = "x-amz-meta-";
    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    private ObjectMeta() {
    }

    /**
     * The user's metadata with lower-cased keys, checked so that it survives the trip through
     * HTTP headers unchanged.
     *
     * @throws IllegalArgumentException naming the offending entry
     */
    public static Map<String, String> userMetadata(Map<String, String> given, String blobKey) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : given.entrySet()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (!KEY.matcher(k).matches()) {
                throw new IllegalArgumentException("metadata key '" + printable(e.getKey()) + "' of blob '" + blobKey
                        + "' must be ASCII letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            if (k.startsWith(RESERVED_PREFIX)) {
                throw new IllegalArgumentException("metadata key '" + k + "' of blob '" + blobKey + "': keys starting with '"
                        + RESERVED_PREFIX + "' are reserved for the store");
            }
            String v = e.getValue() == null ? "" : e.getValue();
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    throw new IllegalArgumentException("metadata value of '" + k + "' of blob '" + blobKey
                            + "' must be printable ASCII (S3 sends it as an HTTP header); found character U+"
                            + String.format("%04X", (int) c) + " at index " + i);
                }
            }
            if (!v.equals(v.strip())) {
                throw new IllegalArgumentException("metadata value of '" + k + "' of blob '" + blobKey
                        + "' must not start or end with spaces (HTTP would drop them)");
            }
            if (out.put(k, v) != null) {
                throw new IllegalArgumentException("metadata key '" + k + "' of blob '" + blobKey + "' is given twice (keys are case-insensitive)");
            }
        }
        return out;
    }

    /** Request headers for an object's content type, user metadata and the store's own metadata. */
    public static Map<String, String> headers(String contentType, Map<String, String> user, Map<String, String> own) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", contentType == null ? PutOptions.DEFAULT_CONTENT_TYPE : contentType);
        user.forEach((k, v) -> h.put(HEADER_PREFIX + k, v));
        own.forEach((k, v) -> h.put(HEADER_PREFIX + k, v));
        return h;
    }

    /** {@code own} plus the exact content type, if it has parameters a server might rewrite. */
    public static Map<String, String> withExactContentType(Map<String, String> own, String contentType) {
        if (contentType == null || contentType.indexOf(';') < 0 || !isPrintableAscii(contentType)) {
            return own;
        }
        Map<String, String> m = new LinkedHashMap<>(own);
        m.put(CONTENT_TYPE, contentType);
        return m;
    }

    private static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x20 || s.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** Every {@code x-amz-meta-*} header, keys lower-cased without the prefix, the store's own included. */
    public static Map<String, String> all(Headers headers) {
        Map<String, String> m = new HashMap<>();
        // by index, in order: a repeated name keeps its last value, as Headers.get would give
        // (names() would build a sorted set, and get(name) scan all headers again, per header)
        for (int i = 0, n = headers.size(); i < n; i++) {
            String name = headers.name(i);
            if (name.regionMatches(true, 0, HEADER_PREFIX, 0, HEADER_PREFIX.length())) {
                m.put(name.substring(HEADER_PREFIX.length()).toLowerCase(Locale.ROOT), headers.value(i));
            }
        }
        return m;
    }

    /** {@code all} without the store's own keys. */
    public static Map<String, String> visible(Map<String, String> all) {
        Map<String, String> m = new HashMap<>(all);
        m.keySet().removeIf(k -> k.startsWith(RESERVED_PREFIX));
        return m;
    }

    /**
     * The info of a whole object from the headers of a HEAD or GET response; for a ranged GET the
     * size comes from {@code Content-Range}, which carries the whole object's length.
     */
    public static BlobInfo info(String key, Headers headers) {
        long size = -1;
        String range = headers.get("Content-Range");
        if (range != null) {
            int slash = range.lastIndexOf('/');
            if (slash >= 0 && !range.endsWith("*")) {
                size = Long.parseLong(range.substring(slash + 1).strip());
            }
        }
        if (size < 0) {
            String len = headers.get("Content-Length");
            size = len == null ? 0 : Long.parseLong(len.strip());
        }
        String etag = headers.get("ETag");
        Date modified = headers.getDate("Last-Modified");
        Map<String, String> meta = all(headers);
        String contentType = meta.getOrDefault(CONTENT_TYPE, headers.get("Content-Type"));
        return new BlobInfo(key, size, etag == null ? "\"\"" : Checksums.quote(etag),
                modified == null ? Instant.EPOCH : modified.toInstant(), contentType, visible(meta));
    }

    /** When the server answered, for the info of an object just written (S3 returns no Last-Modified on PUT). */
    public static Instant responseTime(Headers headers) {
        Date date = headers == null ? null : headers.getDate("Date");
        return date == null ? Instant.now() : date.toInstant();
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
