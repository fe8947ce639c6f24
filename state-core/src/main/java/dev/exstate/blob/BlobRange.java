package dev.exstate.blob;

/**
 * A byte range of a blob: {@code length} bytes from {@code offset}; a length of -1 means to the end.
 * A range past the end yields the bytes that exist (possibly none).
 */
public record BlobRange(long offset, long length) {
    public BlobRange {
        if (offset < 0) {
            throw new IllegalArgumentException("range offset must be >= 0, was " + offset);
        }
        if (length < -1) {
            throw new IllegalArgumentException("range length must be >= 0 or -1 (to the end), was " + length);
        }
        if (length > 0 && length - 1 > Long.MAX_VALUE - offset) {
            // the last byte's position (offset + length - 1) would overflow, and a wrapped HTTP Range is ignored by servers
            throw new IllegalArgumentException("range offset " + offset + " + length " + length + " is beyond the largest position");
        }
    }

    public static BlobRange from(long offset) {
        return new BlobRange(offset, -1);
    }

    public static BlobRange of(long offset, long length) {
        return new BlobRange(offset, length);
    }
}
