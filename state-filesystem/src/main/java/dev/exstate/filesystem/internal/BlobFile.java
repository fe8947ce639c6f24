package dev.exstate.filesystem.internal;

import dev.exstate.blob.BlobInfo;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The layout of one blob file: the content, then a trailer of {@code name=value} lines (UTF-8,
 * values URL-encoded) holding key, etag, content type, last-modified time and metadata, then a
 * fixed footer: content length (8 bytes), trailer length (4), format version (4), magic
 * {@code EXSTBLOB} (8). Content and metadata are one file, published by one rename, so a reader
 * never sees one version's content with another's metadata. The trailer comes last because the
 * etag is known only once the content has been streamed. Not API.
 */
public final class BlobFile {
    public static final int FOOTER_BYTES = 24;
    /** Largest trailer written or read: metadata is small (S3 allows 2 KiB). */
    public static final int MAX_TRAILER_BYTES = 256 * 1024;
    private static final long MAGIC = ByteBuffer.wrap("EXSTBLOB".getBytes(StandardCharsets.US_ASCII)).getLong();
    private static final int VERSION = 1;

    private BlobFile() {
    }

    /**
     * The trailer and footer of a blob file with this info.
     *
     * @throws IllegalArgumentException if metadata and content type need more than {@value #MAX_TRAILER_BYTES} bytes
     */
    public static ByteBuffer trailer(BlobInfo info) {
        StringBuilder t = new StringBuilder(256);
        line(t, "key", info.key());
        line(t, "etag", info.etag());
        line(t, "modified", info.lastModified().toString());
        line(t, "type", info.contentType());
        new TreeMap<>(info.metadata()).forEach((k, v) -> line(t, "m." + URLEncoder.encode(k, StandardCharsets.UTF_8), v));
        byte[] bytes = t.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_TRAILER_BYTES) {
            throw new IllegalArgumentException("put of blob '" + info.key() + "': metadata and content type take " + bytes.length
                    + " bytes, more than " + MAX_TRAILER_BYTES + "; nothing was written");
        }
        ByteBuffer out = ByteBuffer.allocate(bytes.length + FOOTER_BYTES);
        out.put(bytes).putLong(info.size()).putInt(bytes.length).putInt(VERSION).putLong(MAGIC).flip();
        return out;
    }

    /** What a blob file says about itself; {@code dataLength} bytes of content start at 0. */
    public record Header(BlobInfo info, long dataLength) {
    }

    /**
     * Reads the footer and trailer of an open blob file.
     *
     * @throws Corrupt if the file is not a complete blob file of this format
     */
    public static Header read(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < FOOTER_BYTES) {
            throw new Corrupt("shorter than a footer (" + size + " bytes)");
        }
        ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES);
        readFully(ch, footer, size - FOOTER_BYTES);
        footer.flip();
        long dataLength = footer.getLong();
        int trailerLength = footer.getInt();
        int version = footer.getInt();
        long magic = footer.getLong();
        if (magic != MAGIC) {
            throw new Corrupt("no exstate blob footer");
        }
        if (version != VERSION) {
            throw new Corrupt("format version " + version + ", this release reads " + VERSION);
        }
        if (trailerLength < 0 || trailerLength > MAX_TRAILER_BYTES || dataLength < 0
                || dataLength + trailerLength + FOOTER_BYTES != size) {
            throw new Corrupt("footer lengths do not add up to the file size " + size);
        }
        ByteBuffer trailer = ByteBuffer.allocate(trailerLength);
        readFully(ch, trailer, dataLength);
        Map<String, String> fields = new TreeMap<>();
        Map<String, String> metadata = new TreeMap<>();
        for (String l : new String(trailer.array(), StandardCharsets.UTF_8).split("\n")) {
            int eq = l.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = l.substring(0, eq);
            String value = URLDecoder.decode(l.substring(eq + 1), StandardCharsets.UTF_8);
            if (name.startsWith("m.")) {
                metadata.put(URLDecoder.decode(name.substring(2), StandardCharsets.UTF_8), value);
            } else {
                fields.put(name, value);
            }
        }
        String key = fields.get("key");
        String etag = fields.get("etag");
        String modified = fields.get("modified");
        if (key == null || etag == null || modified == null) {
            throw new Corrupt("trailer lacks key, etag or modified time");
        }
        Instant lastModified;
        try {
            lastModified = Instant.parse(modified);
        } catch (RuntimeException e) {
            throw new Corrupt("modified time '" + modified + "' is not an instant");
        }
        return new Header(new BlobInfo(key, dataLength, etag, lastModified, fields.get("type"), metadata), dataLength);
    }

    /** Fills {@code buf} from {@code position}; fails if the file ends first. */
    public static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new Corrupt("ended at " + pos + " bytes, before its footer said");
            }
            pos += n;
        }
    }

    /** Writes all of {@code buf} at {@code position}. */
    public static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    private static void line(StringBuilder t, String name, String value) {
        t.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)).append('\n');
    }

    /** A file where a blob file should be is not one (foreign, damaged, or a symbolic link the store refuses). */
    public static final class Corrupt extends IOException {
        private static final long serialVersionUID = 1L;

        public Corrupt(String message) {
            super(message);
        }
    }
}
