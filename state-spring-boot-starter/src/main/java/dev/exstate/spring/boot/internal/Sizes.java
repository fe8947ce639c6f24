package dev.exstate.spring.boot.internal;

import org.springframework.util.unit.DataSize;

/** {@link DataSize} properties to the byte counts the builders take. */
final class Sizes {
    private Sizes() {
    }

    /** The size in bytes as an int; too large for one is an {@link IllegalArgumentException} naming {@code javaName}. */
    static int toInt(DataSize size, String javaName) {
        long bytes = size.toBytes();
        if (bytes > Integer.MAX_VALUE || bytes < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(javaName + " is too large: " + size);
        }
        return (int) bytes;
    }
}
