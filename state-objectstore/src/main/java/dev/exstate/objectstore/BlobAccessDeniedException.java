package dev.exstate.objectstore;

import dev.exstate.guard.StateAccessDeniedException;

/**
 * The S3 endpoint refused the request's credentials or permissions (HTTP 403: AccessDenied,
 * SignatureDoesNotMatch, InvalidAccessKeyId, ...). Not an outage: retrying will not help, the
 * {@link dev.exstate.guard.Guard} does not retry it and its breaker does not count it, and a
 * store's first contact fails with it at once instead of retrying for its start-up timeout.
 * Check the access key, the secret key, the region and the bucket policy. The message never
 * contains the credentials. The S3 form of {@link StateAccessDeniedException}.
 */
public class BlobAccessDeniedException extends StateAccessDeniedException {
    private static final long serialVersionUID = 1L;

    /** A refusal of {@code operation} by the S3 backend named {@code backend} (its guard name, e.g. {@code "s3"}). */
    public BlobAccessDeniedException(String backend, String operation, String message) {
        super(backend, operation, message, null);
    }

    public BlobAccessDeniedException(String message) {
        this("s3", "request", message);
    }
}
