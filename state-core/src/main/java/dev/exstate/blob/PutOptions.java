package dev.exstate.blob;

import java.util.Map;
import java.util.Objects;

/**
 * Options of one {@link BlobStore#put}: content type, metadata and a condition that makes a
 * retried upload safe. Immutable.
 *
 * @param contentType MIME type stored with the blob
 * @param metadata    user metadata; keys are lower-cased ASCII
 * @param condition   when the put may happen
 */
public record PutOptions(String contentType, Map<String, String> metadata, Condition condition) {
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    public PutOptions {
        contentType = contentType == null ? DEFAULT_CONTENT_TYPE : contentType;
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

    /** Replace only if unchanged: fails with {@link BlobPreconditionFailedException} unless the current etag is {@code etag}. */
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
        }
    }
}
