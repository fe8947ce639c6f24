package dev.exstate.objectstore.internal;

import dev.exstate.objectstore.BlobIntegrityException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Passes a download through while computing its digest, and at end of stream compares it with
 * the expected one: the SHA-256 stored in the object's metadata, else the MD5 ETag of a
 * single-request upload, else the multipart ETag recomputed with the part size stored in the
 * metadata. A mismatch (or a length other than the object's) throws
 * {@link BlobIntegrityException} from the {@code read} that reached the end. Not API.
 */
public final class VerifyingInputStream extends FilterInputStream {

    /** What the content is checked against. */
    public sealed interface Expected permits Sha256, Md5, Multipart {
    }

    public record Sha256(String hex) implements Expected {
    }

    public record Md5(String hex) implements Expected {
    }

    public record Multipart(String etag, long partSize) implements Expected {
    }

    private final String key;
    private final long expectedSize;
    private final Expected expected;
    private final MessageDigest digest;
    private final Checksums.MultipartEtag multipart;
    private long total;
    private long inPart;
    private boolean finished;

    public VerifyingInputStream(InputStream in, String key, long expectedSize, Expected expected) {
        super(in);
        this.key = key;
        this.expectedSize = expectedSize;
        this.expected = expected;
        this.digest = expected instanceof Sha256 ? Checksums.sha256() : Checksums.md5();
        this.multipart = expected instanceof Multipart ? new Checksums.MultipartEtag() : null;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n == -1) {
            finish();
            return -1;
        }
        if (multipart == null) {
            digest.update(b, off, n);
        } else {
            long partSize = ((Multipart) expected).partSize();
            int pos = off;
            int left = n;
            while (left > 0) {
                int take = (int) Math.min(left, partSize - inPart);
                digest.update(b, pos, take);
                inPart += take;
                pos += take;
                left -= take;
                if (inPart == partSize) {
                    multipart.addPart(digest.digest());
                    inPart = 0;
                }
            }
        }
        total += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // every byte must pass through the digest
        byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 8192)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r == -1) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported by a verifying stream");
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (total != expectedSize) {
            throw new BlobIntegrityException("blob '" + key + "': read " + total + " bytes, but the blob has " + expectedSize);
        }
        String actual;
        String want;
        if (expected instanceof Multipart m) {
            if (inPart > 0 || multipart.parts() == 0) {
                multipart.addPart(digest.digest());
            }
            actual = multipart.finish();
            want = Checksums.unquote(m.etag());
        } else {
            actual = Checksums.hex(digest.digest());
            want = expected instanceof Sha256 s ? s.hex() : ((Md5) expected).hex();
        }
        if (!actual.equalsIgnoreCase(want)) {
            String what = expected instanceof Sha256 ? "SHA-256" : expected instanceof Md5 ? "MD5" : "multipart ETag";
            throw new BlobIntegrityException("blob '" + key + "': the " + what + " of the downloaded content is " + actual
                    + ", but the stored one is " + want + "; discard what was read");
        }
    }
}
