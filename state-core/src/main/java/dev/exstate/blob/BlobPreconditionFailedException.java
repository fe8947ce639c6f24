package dev.exstate.blob;

/** A conditional put's condition did not hold (key exists for ifAbsent, etag differs for ifMatch). Nothing was written. */
public class BlobPreconditionFailedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public BlobPreconditionFailedException(String message) {
        super(message);
    }
}
