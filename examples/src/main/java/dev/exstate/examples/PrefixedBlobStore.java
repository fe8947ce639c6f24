package dev.exstate.examples;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobKeys;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * A view of another {@link BlobStore} in which every key lives under {@code prefix}: the demo's
 * groups of replicas share one bucket without seeing each other's files. Keys in returned infos
 * and listings are shown without the prefix. Thread-safe as the store it wraps; closing it
 * closes that store.
 */
final class PrefixedBlobStore implements BlobStore {
    private final BlobStore store;
    private final String prefix;

    /** @param prefix a valid key prefix ending in {@code /} */
    PrefixedBlobStore(BlobStore store, String prefix) {
        this.store = Objects.requireNonNull(store, "store");
        if (prefix == null || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix must end with '/', was " + prefix);
        }
        this.prefix = BlobKeys.validatePrefix(prefix);
    }

    @Override
    public BlobInfo put(String key, InputStream content, long length, PutOptions options) {
        return strip(store.put(full(key), content, length, options));
    }

    @Override
    public Optional<Blob> get(String key) {
        return store.get(full(key)).map(this::strip);
    }

    @Override
    public Optional<Blob> get(String key, BlobRange range) {
        return store.get(full(key), range).map(this::strip);
    }

    @Override
    public Optional<BlobInfo> stat(String key) {
        return store.stat(full(key)).map(this::strip);
    }

    @Override
    public void delete(String key) {
        store.delete(full(key));
    }

    @Override
    public BlobPage list(String keyPrefix, String continuationToken, int maxKeys) {
        BlobPage page = store.list(prefix + BlobKeys.validatePrefix(keyPrefix), continuationToken, maxKeys);
        return new BlobPage(page.items().stream().map(this::strip).toList(), page.continuationToken());
    }

    @Override
    public void close() {
        store.close();
    }

    @Override
    public String toString() {
        return store + " under " + prefix;
    }

    private String full(String key) {
        // validated on its own too, so an absolute or '..' key is refused as the caller wrote it
        return prefix + BlobKeys.validate(key);
    }

    private BlobInfo strip(BlobInfo info) {
        String key = info.key().startsWith(prefix) ? info.key().substring(prefix.length()) : info.key();
        return new BlobInfo(key, info.size(), info.etag(), info.lastModified(), info.contentType(), info.metadata());
    }

    private Blob strip(Blob blob) {
        return new Blob(strip(blob.info()), blob.content());
    }
}
