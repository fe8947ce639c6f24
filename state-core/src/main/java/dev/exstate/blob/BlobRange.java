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
    }

    public static BlobRange from(long offset) {
        return new BlobRange(offset, -1);
    }

    public static BlobRange of(long offset, long length) {
        return new BlobRange(offset, length);
    }
}
