package dev.exstate.blob;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Optional;

/**
 * Files that must outlive a replica and be visible to all replicas: uploads, exports, anything a
 * service would otherwise write to local disk.
 *
 * <p>What a user can rely on (checked by the testkit's {@code BlobStoreContract}): content is
 * streamed, never fully buffered by the store; a put is atomic (readers see the old blob or the
 * new one, never a partial one); conditional puts make retries idempotent; delete is
 * idempotent; keys are checked by {@link BlobKeys#validate} before anything is sent.
 *
 * <p>Thread-safe.
 */
public interface BlobStore extends AutoCloseable {

    /**
     * Stores {@code content} under {@code key}. The stream is read to its end but not closed.
     *
     * @param length the content length, or -1 if unknown
     * @throws BlobPreconditionFailedException if the options' condition does not hold
     * @throws InvalidBlobKeyException         if the key is not valid
     */
    BlobInfo put(String key, InputStream content, long length, PutOptions options);

    /** Stores a small byte array, unconditionally. */
    default BlobInfo put(String key, byte[] content) {
        return put(key, new ByteArrayInputStream(content), content.length, PutOptions.defaults());
    }

    /** Stores a small byte array with options. */
    default BlobInfo put(String key, byte[] content, PutOptions options) {
        return put(key, new ByteArrayInputStream(content), content.length, options);
    }

    /** The blob's content and info, or empty if there is none. Close the returned blob. */
    Optional<Blob> get(String key);

    /** Part of the blob's content (info describes the whole blob), or empty if there is none. */
    Optional<Blob> get(String key, BlobRange range);

    /** The blob's info without its content, or empty. */
    Optional<BlobInfo> stat(String key);

    /** Deletes the blob; deleting a missing key is not an error. */
    void delete(String key);

    /**
     * Up to {@code maxKeys} blobs whose key starts with {@code prefix}, in key order, after the
     * position {@code continuationToken} marks ({@code null} for the first page).
     *
     * @throws IllegalArgumentException if {@code maxKeys} is outside 1..1000, or the token is not
     *                                  one this store could have issued ({@link BlobKeys#validateContinuationToken});
     *                                  never sent to the backend, never counted as an outage
     * @throws InvalidBlobKeyException  if the prefix could not start a valid key
     */
    BlobPage list(String prefix, String continuationToken, int maxKeys);

    /**
     * Bytes uploaded and downloaded through this store so far, for metrics; empty if the store
     * keeps no count (the default). Transfers through presigned URLs do not pass through the store
     * and are not counted. Never calls the backend.
     */
    default Optional<BlobStats> stats() {
        return Optional.empty();
    }

    /** Releases clients and threads. Idempotent. */
    @Override
    void close();
}
