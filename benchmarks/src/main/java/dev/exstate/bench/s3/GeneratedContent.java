package dev.exstate.bench.s3;

import java.io.InputStream;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * {@code length} bytes of incompressible content generated on the fly from one 1 MiB random block,
 * so that a 256 MiB upload's source takes 1 MiB of heap, not 256 MiB, and does not blur the heap
 * measurement of the client that reads it.
 */
final class GeneratedContent extends InputStream {
    static final int BLOCK = 1 << 20;
    private static final byte[] DATA = block();

    private final long length;
    private long position;

    GeneratedContent(long length) {
        this.length = length;
    }

    private static byte[] block() {
        byte[] b = new byte[BLOCK];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < b.length; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    @Override
    public int read() {
        if (position >= length) {
            return -1;
        }
        return DATA[(int) (position++ % BLOCK)] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        int at = (int) (position % BLOCK);
        int n = (int) Math.min(Math.min(len, BLOCK - at), length - position);
        System.arraycopy(DATA, at, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    /** Reads {@code in} to its end into a reused buffer; returns the number of bytes. */
    static long drain(InputStream in, byte[] buffer) throws java.io.IOException {
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
        }
        return total;
    }
}
