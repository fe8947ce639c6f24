package dev.exstate.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * {@code size} pseudo-random bytes made on the fly (never held in memory), in uneven chunks as a
 * network stream delivers them. The byte at each position depends only on the seed and the
 * position, so the same content can be generated again to compare with. {@link #digest()} is the
 * SHA-256 of what was read. An optional
 * hook runs once when the stream has delivered {@code hookAt} bytes (to inject a fault mid-way).
 * Used by the blob store contract and by providers' own tests; not API.
 */
public final class GeneratedContent extends InputStream {
    private final SplittableRandom chunks;
    private final long seed;
    private final MessageDigest sha = sha256();
    private long remaining;
    private long delivered;
    private long hookAt = -1;
    private Runnable hook;

    public GeneratedContent(long size, long seed) {
        this.remaining = size;
        this.seed = seed * 0x9E3779B97F4A7C15L;
        this.chunks = new SplittableRandom(seed);
    }

    /** Runs {@code action} once, when {@code offset} bytes have been read. */
    public GeneratedContent onReaching(long offset, Runnable action) {
        this.hookAt = offset;
        this.hook = action;
        return this;
    }

    /** Bytes read so far. */
    public long delivered() {
        return delivered;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (remaining == 0) {
            return -1;
        }
        int n = (int) Math.min(Math.min(len, remaining), 1 + chunks.nextInt(64 * 1024));
        if (hook != null && delivered < hookAt && delivered + n >= hookAt) {
            Runnable h = hook;
            hook = null;
            h.run();
        }
        long block = -1;
        long bits = 0;
        for (int i = 0; i < n; i++) {
            long pos = delivered + i;
            if ((pos >>> 3) != block) {
                block = pos >>> 3;
                bits = mix(seed + block);
            }
            b[off + i] = (byte) (bits >>> ((pos & 7) * 8));
        }
        sha.update(b, off, n);
        remaining -= n;
        delivered += n;
        return n;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** SHA-256 of everything read so far (the whole content once read to the end). */
    public byte[] digest() {
        return sha.digest();
    }

    /** SHA-256 of the content of a {@code size}-byte stream with this seed, without keeping it. */
    public static byte[] digestOf(long size, long seed) {
        GeneratedContent c = new GeneratedContent(size, seed);
        byte[] buf = new byte[64 * 1024];
        while (c.read(buf, 0, buf.length) != -1) {
            // read through
        }
        return c.digest();
    }

    /** SHA-256 of {@code in}, read to its end and closed. */
    public static byte[] sha256(InputStream in) {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[64 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                sha.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
