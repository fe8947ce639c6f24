package dev.exstate.filesystem.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The content of an open blob file: {@code count} bytes from {@code start}, read through one
 * buffer of at most the store's buffer size, each refill a guarded call. Holds the file open
 * (so a concurrent overwrite or delete does not change what it reads) until closed. Not API.
 */
final class ChannelInput extends InputStream {
    private final FileChannel channel;
    private final GuardedIo io;
    private final String key;
    private final ByteBuffer buffer;
    private long position;
    private long remaining;
    private boolean closed;

    ChannelInput(FileChannel channel, long start, long count, int bufferSize, GuardedIo io, String key) {
        this.channel = channel;
        this.io = io;
        this.key = key;
        this.position = start;
        this.remaining = count;
        this.buffer = ByteBuffer.allocate((int) Math.max(1, Math.min(bufferSize, count)));
        buffer.limit(0);
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return buffer.get() & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, buffer.remaining());
        buffer.get(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0 || closed) {
            return 0;
        }
        long fromBuffer = Math.min(n, buffer.remaining());
        buffer.position(buffer.position() + (int) fromBuffer);
        long fromFile = Math.min(n - fromBuffer, remaining);
        position += fromFile;
        remaining -= fromFile;
        return fromBuffer + fromFile;
    }

    @Override
    public int available() {
        return closed ? 0 : buffer.remaining();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    /** True if the buffer has bytes, refilling it from the file if needed. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("blob '" + key + "' is closed");
        }
        if (buffer.hasRemaining()) {
            return true;
        }
        if (remaining == 0) {
            return false;
        }
        buffer.clear();
        buffer.limit((int) Math.min(buffer.capacity(), remaining));
        long at = position;
        io.call("blob.read", false, key, () -> {
            BlobFile.readFully(channel, buffer, at);
            return null;
        });
        buffer.flip();
        position += buffer.remaining();
        remaining -= buffer.remaining();
        return true;
    }
}
