package dev.exstate.objectstore;

/**
 * The content's checksum does not match: the server rejected a part or object whose MD5 or
 * SHA-256 differed from the one sent with it (nothing was written), or a verified download
 * ({@link S3BlobStore#get(String, boolean)}) read bytes whose digest differs from the one stored
 * with the blob. In the last case it is thrown by the content stream's {@code read} at end of
 * stream, after all bytes were delivered: discard what was read.
 */
public class BlobIntegrityException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public BlobIntegrityException(String message) {
        super(message);
    }
}
