package dev.exstate.blob;

import java.util.Map;
import java.util.Objects;

/**
 * Options of one {@link BlobStore#put}: content type, metadata and a condition that makes a
 * retried upload safe. Immutable and thread-safe; start from {@link #defaults()},
 * {@link #ifAbsent()} or {@link #ifMatch(String)} and derive changed copies with the
 * {@code with...} methods. Two options with the same content type, metadata and condition are
 * {@linkplain #equals equal}.
 *
 * <p>Defaults: content type {@value #DEFAULT_CONTENT_TYPE}, no metadata, unconditional
 * overwrite.
 *
 * <p>Values that a store sends as HTTP headers are checked by the method that sets them, so a bad
 * one fails there with {@link IllegalArgumentException} instead of reaching the wire (where a CR or
 * LF would add a header to the request): a content type is 1 to {@value #MAX_CONTENT_TYPE_CHARS}
 * printable ASCII characters, not starting or ending with a space; an etag is an entity tag,
 * quoted ({@code "abc"}) or bare ({@code abc}), of 1 to {@value #MAX_ETAG_CHARS} printable ASCII
 * characters other than {@code "} and space.
 */
public final class PutOptions {
    /** Content type of a blob put without one. */
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** Longest content type accepted. */
    public static final int MAX_CONTENT_TYPE_CHARS = 255;
    /** Longest etag accepted, without its quotes. */
    public static final int MAX_ETAG_CHARS = 256;

    private static final PutOptions DEFAULTS = new PutOptions(DEFAULT_CONTENT_TYPE, Map.of(), Condition.NONE);

    private final String contentType;
    private final Map<String, String> metadata;
    private final Condition condition;

    private PutOptions(String contentType, Map<String, String> metadata, Condition condition) {
        this.contentType = contentType;
        this.metadata = metadata;
        this.condition = condition;
    }

    /** Unconditional overwrite, default content type, no metadata. */
    public static PutOptions defaults() {
        return DEFAULTS;
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

    /** MIME type stored with the blob (default {@value #DEFAULT_CONTENT_TYPE}). */
    public String contentType() {
        return contentType;
    }

    /** User metadata stored with the blob; unmodifiable, empty by default. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** When the put may happen (default {@link Condition#NONE}: always). */
    public Condition condition() {
        return condition;
    }

    /**
     * A copy with this content type; {@code null} means {@value #DEFAULT_CONTENT_TYPE}.
     *
     * @throws IllegalArgumentException if {@code type} is not a content type (see the class comment)
     */
    public PutOptions withContentType(String type) {
        return new PutOptions(type == null ? DEFAULT_CONTENT_TYPE : checkContentType(type), metadata, condition);
    }

    /**
     * A copy with this user metadata (copied); {@code null} means none.
     *
     * @throws NullPointerException if a key or value is {@code null}
     */
    public PutOptions withMetadata(Map<String, String> meta) {
        return new PutOptions(contentType, Map.copyOf(meta == null ? Map.of() : meta), condition);
    }

    /** A copy with this condition. */
    public PutOptions withCondition(Condition c) {
        return new PutOptions(contentType, metadata, Objects.requireNonNull(c, "condition"));
    }

    /** Equal if content type, metadata and condition are equal. */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof PutOptions p && contentType.equals(p.contentType)
                && metadata.equals(p.metadata) && condition.equals(p.condition);
    }

    /** A hash of content type, metadata and condition. */
    @Override
    public int hashCode() {
        return Objects.hash(contentType, metadata, condition);
    }

    /** Content type, metadata and condition, as {@code PutOptions[contentType=..., metadata=..., condition=...]}. */
    @Override
    public String toString() {
        return "PutOptions[contentType=" + contentType + ", metadata=" + metadata + ", condition=" + condition + "]";
    }

    /**
     * When a put may happen: a small value that will not grow, so a record.
     *
     * @param ifAbsent    put only if no blob has the key
     * @param ifMatchEtag put only if the current blob has this etag ({@code null}: no check)
     */
    public record Condition(boolean ifAbsent, String ifMatchEtag) {
        /** No condition: the put always happens. */
        public static final Condition NONE = new Condition(false, null);

        /**
         * Checks the condition.
         *
         * @throws IllegalArgumentException if both are set, or the etag is not an entity tag
         */
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
