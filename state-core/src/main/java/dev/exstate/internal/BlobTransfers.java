package dev.exstate.internal;

import dev.exstate.blob.BlobStats;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes a blob store moves, for {@link dev.exstate.blob.BlobStore#stats()}: uploads
 * once a put succeeded, downloads as the caller reads them. Thread-safe; one counter update per
 * put and per {@code read} call, never per byte. Not API.
 */
public final class BlobTransfers {
    private final LongAdder uploaded = new LongAdder();
    private final LongAdder downloaded = new LongAdder();

    /** A put of {@code bytes} content bytes succeeded. */
    public void uploaded(long bytes) {
        if (bytes > 0) {
            uploaded.add(bytes);
        }
    }

    /** {@code content} of a blob being returned to a caller, counting what the caller reads. */
    public InputStream downloading(InputStream content) {
        return new Counting(content, downloaded);
    }

    public BlobStats stats() {
        return new BlobStats(uploaded.sum(), downloaded.sum());
    }

    /** Counts each byte once, the first time it is read: a re-read after {@code reset} is not a new transfer. */
    private static final class Counting extends FilterInputStream {
        private final LongAdder count;
        // a stream is read by one thread at a time; these need no lock
        private long position;
        private long highest;
        private long marked;

        Counting(InputStream in, LongAdder count) {
            super(in);
            this.count = count;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                advance(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                advance(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(n);
            if (skipped > 0) {
                position += skipped;
                highest = Math.max(highest, position); // passed over, not read
            }
            return skipped;
        }

        @Override
        public synchronized void mark(int readlimit) {
            in.mark(readlimit);
            marked = position;
        }

        @Override
        public synchronized void reset() throws IOException {
            in.reset();
            position = marked;
        }

        private void advance(int n) {
            position += n;
            if (position > highest) {
                count.add(position - highest);
                highest = position;
            }
        }
    }
}
