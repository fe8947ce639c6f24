package dev.exstate.objectstore.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The input side of an {@link Upload}: the content of one put, a stream with a declared (or
 * unknown, -1) length, read one part at a time into buffers the upload owns. It checks the
 * declared length (a stream that ends early or runs on fails before anything is committed) and
 * computes the SHA-256 of the whole content as it streams by. Not thread-safe: one upload reads
 * it on one thread. Not API.
 */
public final class UploadSource {
    private static final int FIRST_READ_BYTES = 64 * 1024;

    private final String key;
    private final InputStream in;
    private final long declared;
    private final int partSize;
    private final MessageDigest sha = Checksums.sha256();
    private long total;
    private boolean eof;
    private byte[] first;
    private int firstLength;
    private Boolean fitsOnePart;
    private byte[] shaResult;
    private int pushedBack = -1;

    UploadSource(String key, InputStream in, long declared, int partSize) {
        this.key = key;
        this.in = in;
        this.declared = declared;
        this.partSize = partSize;
    }

    /**
     * Whether the first part holds the whole content. Decided once, reading the first part (and,
     * for a full first part of unknown length, one byte ahead).
     */
    public boolean fitsOnePart() {
        if (fitsOnePart == null) {
            fitsOnePart = decideFitsOnePart();
        }
        return fitsOnePart;
    }

    /** SHA-256 of the whole content; call once all of it was read (the first call fixes the value). */
    public byte[] sha256() {
        if (shaResult == null) {
            shaResult = sha.digest();
        }
        return shaResult.clone();
    }

    /** The declared length, or -1 if unknown. */
    long declaredLength() {
        return declared;
    }

    /** Bytes read so far. */
    long total() {
        return total;
    }

    /** The first part's buffer (read by {@link #fitsOnePart()}); it holds {@link #firstLength()} bytes. */
    byte[] firstBytes() {
        readFirst();
        return first;
    }

    int firstLength() {
        readFirst();
        return firstLength;
    }

    /** Reads the next part into {@code buf} (up to its length); fewer bytes only at the end of the content. */
    int readPart(byte[] buf) {
        return fill(buf, 0, buf.length);
    }

    /** Whether all the content was read (for a declared length: all of it, and nothing more follows). */
    boolean done() {
        if (declared >= 0) {
            if (total < declared) {
                return false;
            }
            checkEnd();
            return true;
        }
        return eof && pushedBack < 0;
    }

    private void readFirst() {
        if (first != null) {
            return;
        }
        if (declared >= 0 && declared <= partSize) {
            first = new byte[(int) declared];
            firstLength = fill(first, 0, (int) declared);
            checkEnd();
            return;
        }
        if (declared > partSize) {
            first = new byte[partSize];
            firstLength = fill(first, 0, partSize);
            return;
        }
        // unknown length: grow the buffer as content arrives, so small content costs little heap
        byte[] buf = new byte[Math.min(FIRST_READ_BYTES, partSize)];
        int n = 0;
        while (true) {
            n += fill(buf, n, buf.length - n);
            if (eof || buf.length == partSize) {
                break;
            }
            buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, partSize));
        }
        first = buf;
        firstLength = n;
    }

    private boolean decideFitsOnePart() {
        readFirst();
        if (declared >= 0) {
            return declared <= partSize;
        }
        if (eof) {
            return true;
        }
        // a full first part of unknown-length content: only the next read can tell
        int b = read1();
        if (b == -1) {
            return true;
        }
        pushedBack = b;
        return false;
    }

    private int read1() {
        try {
            int b = in.read();
            if (b == -1) {
                eof = true;
            }
            return b;
        } catch (IOException e) {
            throw readFailed(e);
        }
    }

    /** Reads up to {@code max} bytes into {@code buf[off..]}, stopping early only at end of stream. */
    private int fill(byte[] buf, int off, int max) {
        if (declared >= 0) {
            max = (int) Math.min(max, declared - total);
        }
        int n = 0;
        if (pushedBack >= 0 && max > 0) {
            buf[off] = (byte) pushedBack;
            pushedBack = -1;
            n = 1;
        }
        try {
            while (n < max) {
                int r = in.read(buf, off + n, max - n);
                if (r == -1) {
                    eof = true;
                    break;
                }
                n += r;
            }
        } catch (IOException e) {
            throw readFailed(e);
        }
        sha.update(buf, off, n);
        total += n;
        if (declared >= 0 && eof && total < declared) {
            throw endedEarly();
        }
        return n;
    }

    private void checkEnd() {
        if (total < declared) {
            throw endedEarly();
        }
        if (!eof && read1() != -1) {
            throw new IllegalArgumentException("put of blob '" + key + "': the stream has more than the declared "
                    + declared + " bytes; nothing was written");
        }
    }

    private IllegalArgumentException endedEarly() {
        return new IllegalArgumentException("put of blob '" + key + "': the stream ended after " + total
                + " bytes, but the declared length is " + declared + "; nothing was written");
    }

    private UncheckedIOException readFailed(IOException e) {
        return new UncheckedIOException("put of blob '" + key + "': reading the content failed after " + total
                + " bytes; nothing was written", e);
    }
}
