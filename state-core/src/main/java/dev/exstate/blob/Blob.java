package dev.exstate.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A blob being read: its {@link BlobInfo} and a stream of its content. The stream is read
 * lazily from the backend; close it (try-with-resources) to release the connection.
 */
public final class Blob implements AutoCloseable {
    private final BlobInfo info;
    private final InputStream content;

    public Blob(BlobInfo info, InputStream content) {
        this.info = Objects.requireNonNull(info, "info");
        this.content = Objects.requireNonNull(content, "content");
    }

    public BlobInfo info() {
        return info;
    }

    /** The content; for a ranged read, only the requested bytes. */
    public InputStream content() {
        return content;
    }

    /** Reads the whole content into memory. Only for blobs known to be small. */
    public byte[] readAllBytes() {
        try (InputStream in = content) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading blob " + info.key(), e);
        }
    }

    @Override
    public void close() {
        try {
            content.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing blob " + info.key(), e);
        }
    }

    @Override
    public String toString() {
        return "Blob[" + info.key() + ", " + info.size() + " bytes]";
    }
}
