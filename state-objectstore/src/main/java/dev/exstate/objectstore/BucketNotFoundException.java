package dev.exstate.objectstore;

/**
 * The configured bucket does not exist at the S3 endpoint. A configuration error, not an outage:
 * create the bucket, fix {@link S3Options#bucket()}, or set {@link S3Options.Builder#autoCreateBucket(boolean)}.
 */
public class BucketNotFoundException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public BucketNotFoundException(String message) {
        super(message);
    }
}
