package dev.exstate.blob;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What is known about a stored blob without reading it.
 *
 * @param key          the blob's key
 * @param size         length in bytes
 * @param etag         changes whenever the content changes; use with {@link PutOptions#ifMatch}
 * @param lastModified when the content was last written
 * @param contentType  MIME type, {@code application/octet-stream} when not given
 * @param metadata     user metadata given at put (keys lower-case)
 */
public record BlobInfo(String key, long size, String etag, Instant lastModified, String contentType,
                       Map<String, String> metadata) {
    public BlobInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        contentType = contentType == null ? PutOptions.DEFAULT_CONTENT_TYPE : contentType;
        metadata = Map.copyOf(metadata == null ? Map.of() : metadata);
    }
}
