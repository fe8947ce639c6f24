package dev.exstate.memory;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobKeys;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStats;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.internal.BlobTransfers;
import dev.exstate.internal.BlobValues;
import dev.exstate.memory.BlobTable.StoredBlob;
import dev.exstate.time.StateClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;

/**
 * In-memory {@link BlobStore}: one "replica" over a {@link BlobTable}. Thread-safe.
 *
 * <p>Unlike the remote stores it holds each blob's bytes in the heap (that is where the blob
 * lives), so it suits tests, demos and small blobs. The stream given to {@code put} is still read
 * through a bounded buffer, and a put becomes visible all at once: readers see the old blob or
 * the new one. The etag is the quoted hex SHA-256 of the content, so it changes exactly when the
 * content changes.
 */
final class MemoryBlobStore implements BlobStore {
    /** Largest blob this store holds: the largest Java array. */
    static final long MAX_BLOB_BYTES = Integer.MAX_VALUE - 8;
    /** Largest number of keys one listing page may ask for (as in S3). */
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    /** A declared length is not trusted for more than this up-front allocation. */
    private static final int MAX_INITIAL_ALLOCATION = 16 * 1024 * 1024;

    private final BlobTable table;
    private final StateClock clock;
    private final BlobTransfers transfers = new BlobTransfers();

    MemoryBlobStore(BlobTable table, StateClock clock) {
        this.table = Objects.requireNonNull(table, "table");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public BlobInfo put(String key, InputStream content, long length, PutOptions options) {
        BlobValues.checkPut(key, content, length, options);
        MessageDigest sha = BlobValues.sha256();
        byte[] bytes = readContent(key, content, length, sha);
        String etag = BlobValues.etag(sha);
        BlobInfo info = new BlobInfo(key, bytes.length, etag, clock.now(), options.contentType(),
                BlobValues.lowerCaseKeys(options.metadata()));
        StoredBlob blob = new StoredBlob(bytes, info);
        PutOptions.Condition condition = options.condition();
        NavigableMap<String, StoredBlob> blobs = table.blobs();
        if (condition.ifAbsent()) {
            if (blobs.putIfAbsent(key, blob) != null) {
                throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifAbsent: the key already exists; nothing was written");
            }
        } else if (condition.ifMatchEtag() != null) {
            String expected = BlobValues.unquote(condition.ifMatchEtag());
            while (true) {
                StoredBlob current = blobs.get(key);
                if (current == null) {
                    throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifMatch: no blob has this key; nothing was written");
                }
                if (!BlobValues.unquote(current.info().etag()).equals(expected)) {
                    throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifMatch: the blob changed (etag "
                            + current.info().etag() + ", expected " + condition.ifMatchEtag() + "); nothing was written");
                }
                // identity compare: only the blob whose etag was checked is replaced
                if (blobs.replace(key, current, blob)) {
                    break;
                }
            }
        } else {
            blobs.put(key, blob);
        }
        transfers.uploaded(bytes.length);
        return info;
    }

    @Override
    public Optional<Blob> get(String key) {
        return get(key, BlobRange.from(0));
    }

    @Override
    public Optional<Blob> get(String key, BlobRange range) {
        BlobKeys.validate(key);
        Objects.requireNonNull(range, "range");
        StoredBlob blob = table.blobs().get(key);
        if (blob == null) {
            return Optional.empty();
        }
        byte[] content = blob.content();
        int start = (int) Math.min(range.offset(), content.length);
        int available = content.length - start;
        int count = range.length() == -1 ? available : (int) Math.min(range.length(), available);
        return Optional.of(new Blob(blob.info(), transfers.downloading(new ByteArrayInputStream(content, start, count))));
    }

    @Override
    public Optional<BlobInfo> stat(String key) {
        BlobKeys.validate(key);
        return Optional.ofNullable(table.blobs().get(key)).map(StoredBlob::info);
    }

    @Override
    public void delete(String key) {
        BlobKeys.validate(key);
        table.blobs().remove(key);
    }

    @Override
    public BlobPage list(String prefix, String continuationToken, int maxKeys) {
        BlobValues.checkMaxKeys(maxKeys);
        String p = BlobKeys.validatePrefix(prefix);
        String after = lastKeyOf(continuationToken);
        NavigableMap<String, StoredBlob> blobs = table.blobs();
        // the token holds the last key of the previous page; keys sharing a prefix are contiguous
        NavigableMap<String, StoredBlob> tail = after == null || BlobTable.KEY_ORDER.compare(after, p) < 0
                ? blobs.tailMap(p, true)
                : blobs.tailMap(after, false);
        List<BlobInfo> items = new ArrayList<>(Math.min(maxKeys, 64));
        boolean more = false;
        for (Map.Entry<String, StoredBlob> e : tail.entrySet()) {
            if (!e.getKey().startsWith(p)) {
                break;
            }
            if (items.size() == maxKeys) {
                more = true;
                break;
            }
            items.add(e.getValue().info());
        }
        return new BlobPage(items, more ? tokenAfter(items.get(items.size() - 1).key()) : null);
    }

    /** A token is the last key of a page, base64url-encoded: printable ASCII, as {@link BlobKeys} requires. */
    private static String tokenAfter(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The key a token marks, or null for none; a token this store could not have issued is the caller's error. */
    private static String lastKeyOf(String token) {
        if (BlobKeys.validateContinuationToken(token) == null) {
            return null;
        }
        try {
            String key = StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(token))).toString();
            return BlobKeys.validate(key);
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw new IllegalArgumentException("continuation token was not issued by this store; pass back the token a page returned, unchanged");
        }
    }

    /** Bytes put into and read out of this store (the heap) through this replica's handle. */
    @Override
    public Optional<BlobStats> stats() {
        return Optional.of(transfers.stats());
    }

    /** Nothing to release: the data belongs to the backend, not to this replica. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "MemoryBlobStore";
    }

    private static byte[] readContent(String key, InputStream in, long length, MessageDigest sha) {
        long limit = length >= 0 ? length : MAX_BLOB_BYTES;
        if (limit > MAX_BLOB_BYTES) {
            throw new IllegalArgumentException("blob '" + key + "' is " + length + " bytes; the in-memory store holds at most "
                    + MAX_BLOB_BYTES + " bytes per blob");
        }
        byte[] out = new byte[(int) Math.min(length >= 0 ? length : READ_BUFFER_BYTES, MAX_INITIAL_ALLOCATION)];
        byte[] buffer = new byte[READ_BUFFER_BYTES];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buffer)) != -1) {
                if (total + n > limit) {
                    throw new IllegalArgumentException(length >= 0
                            ? "put of blob '" + key + "': the stream has more than the declared " + length + " bytes; nothing was written"
                            : "put of blob '" + key + "': the stream has more than " + MAX_BLOB_BYTES
                              + " bytes, the most the in-memory store holds; nothing was written");
                }
                if (total + n > out.length) {
                    out = Arrays.copyOf(out, (int) Math.min(Math.max(out.length * 2L, total + n), MAX_BLOB_BYTES));
                }
                System.arraycopy(buffer, 0, out, (int) total, n);
                sha.update(buffer, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("put of blob '" + key + "': reading the content failed after " + total
                    + " bytes; nothing was written", e);
        }
        if (length >= 0 && total != length) {
            throw new IllegalArgumentException("put of blob '" + key + "': the stream ended after " + total
                    + " bytes, but the declared length is " + length + "; nothing was written");
        }
        return total == out.length ? out : Arrays.copyOf(out, (int) total);
    }

}
