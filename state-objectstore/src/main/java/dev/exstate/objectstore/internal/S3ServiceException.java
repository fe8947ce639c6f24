package dev.exstate.objectstore.internal;

/**
 * The S3 service or the network failed a request (5xx, throttling, connection error, a reply that
 * is not S3's). The guard counts it as a backend failure, retries idempotent operations and
 * reports it as the cause of a {@link dev.exstate.guard.StateUnavailableException}. Not API.
 */
final class S3ServiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public S3ServiceException(String message) {
        super(message);
    }

    public S3ServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
