package dev.exstate.blob;

import java.util.Map;
import java.util.Objects;

/**
 * Options of one {@link BlobStore#put}: content type, metadata and a condition that makes a
 * retried upload safe. Immutable.
 *
 * <p>Values that a store sends as HTTP headers are checked when the options are built, so a bad
 * one fails here with {@link IllegalArgumentException} instead of reaching the wire (where a CR or
 * LF would add a header to the request): a content type is 1 to {@value #MAX_CONTENT_TYPE_CHARS}
 * printable ASCII characters, not starting or ending with a space; an etag is an entity tag,
 * quoted ({@code "abc"}) or bare ({@code abc}), of 1 to {@value #MAX_ETAG_CHARS} printable ASCII
 * characters other than {@code "} and space.
 *
 * @param contentType MIME type stored with the blob
 * @param metadata    user metadata; keys are lower-cased ASCII
 * @param condition   when the put may happen
 */
public record PutOptions(String contentType, Map<String, String> metadata, Condition condition) {
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** Longest content type accepted. */
    public static final int MAX_CONTENT_TYPE_CHARS = 255;
    /** Longest etag accepted, without its quotes. */
    public static final int MAX_ETAG_CHARS = 256;

    public PutOptions {
        contentType = contentType == null ? DEFAULT_CONTENT_TYPE : checkContentType(contentType);
        metadata = Map.copyOf(metadata == null ? Map.of() : metadata);
        Objects.requireNonNull(condition, "condition");
    }

    /** Unconditional overwrite, default content type, no metadata. */
    public static PutOptions defaults() {
        return new PutOptions(DEFAULT_CONTENT_TYPE, Map.of(), Condition.NONE);
    }

    /** Create only: fails with {@link BlobPreconditionFailedException} if the key exists ({@code If-None-Match: *}). */
    public static PutOptions ifAbsent() {
        return defaults().withCondition(new Condition(true, null));
    }

    /**
     * Replace only if unchanged: fails with {@link BlobPreconditionFailedException} unless the current etag is {@code etag}.
     *
     * @throws IllegalArgumentException if {@code etag} is not an entity tag (see the class comment)
     */
    public static PutOptions ifMatch(String etag) {
        return defaults().withCondition(new Condition(false, Objects.requireNonNull(etag, "etag")));
    }

    public PutOptions withContentType(String type) {
        return new PutOptions(type, metadata, condition);
    }

    public PutOptions withMetadata(Map<String, String> meta) {
        return new PutOptions(contentType, meta, condition);
    }

    public PutOptions withCondition(Condition c) {
        return new PutOptions(contentType, metadata, c);
    }

    /**
     * @param ifAbsent   put only if no blob has the key
     * @param ifMatchEtag put only if the current blob has this etag ({@code null}: no check)
     */
    public record Condition(boolean ifAbsent, String ifMatchEtag) {
        public static final Condition NONE = new Condition(false, null);

        public Condition {
            if (ifAbsent && ifMatchEtag != null) {
                throw new IllegalArgumentException("ifAbsent and ifMatch cannot be combined");
            }
            if (ifMatchEtag != null) {
                checkEtag(ifMatchEtag);
            }
        }
    }

    private static String checkContentType(String type) {
        if (type.isEmpty() || type.length() > MAX_CONTENT_TYPE_CHARS) {
            throw new IllegalArgumentException("content type must be 1 to " + MAX_CONTENT_TYPE_CHARS
                    + " characters long, was " + type.length());
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (c < ' ' || c > '~') {
                // not echoed: it is sent as an HTTP header, and a CR or LF would start a new one
                throw new IllegalArgumentException("content type has character U+" + String.format("%04X", (int) c)
                        + " at index " + i + "; only printable ASCII is allowed");
            }
        }
        if (!type.equals(type.strip())) {
            throw new IllegalArgumentException("content type must not start or end with spaces, was '" + type + "'");
        }
        return type;
    }

    private static void checkEtag(String etag) {
        String bare = etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1) : etag;
        if (bare.isEmpty() || bare.length() > MAX_ETAG_CHARS) {
            throw new IllegalArgumentException("ifMatch etag must have 1 to " + MAX_ETAG_CHARS
                    + " characters between its quotes, had " + bare.length());
        }
        for (int i = 0; i < bare.length(); i++) {
            char c = bare.charAt(i);
            // RFC 9110 etagc without obs-text; a CR or LF here would add a header to the request
            if (c < '!' || c > '~' || c == '"') {
                throw new IllegalArgumentException("ifMatch etag has character U+" + String.format("%04X", (int) c)
                        + " where an entity tag allows only printable ASCII without '\"'; pass BlobInfo.etag() unchanged");
            }
        }
    }
}
