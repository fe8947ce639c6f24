package dev.exstate.blob;

/** A blob key is empty, too long, contains {@code ..} segments, a leading '/', or control characters. */
public class InvalidBlobKeyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidBlobKeyException(String message) {
        super(message);
    }
}
