package dev.exstate.objectstore;

/**
 * A bucket name breaks the S3 naming rules: 3 to 63 characters, lower-case letters, digits, dots
 * and hyphens, starting and ending with a letter or digit, no {@code ..}, not shaped like an IP
 * address. Thrown when {@link S3Options} are built, before anything is sent.
 */
public class InvalidBucketNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidBucketNameException(String message) {
        super(message);
    }
}
