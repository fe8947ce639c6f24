package dev.exstate.objectstore;

/**
 * The S3 endpoint refused the request's credentials or permissions (HTTP 403: AccessDenied,
 * SignatureDoesNotMatch, InvalidAccessKeyId, ...). Not an outage: retrying will not help, the
 * {@link dev.exstate.guard.Guard} does not retry it and its breaker does not count it. Check the
 * access key, the secret key, the region and the bucket policy. The message never contains the
 * credentials.
 */
public class BlobAccessDeniedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public BlobAccessDeniedException(String message) {
        super(message);
    }
}
