package dev.exstate.memory;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.time.StateClock;
import java.io.InputStream;
import java.util.Optional;

/** In-memory {@link BlobStore}. TODO */
final class MemoryBlobStore implements BlobStore {
    MemoryBlobStore(BlobTable table, StateClock clock) {
    }

    @Override public BlobInfo put(String key, InputStream content, long length, PutOptions options) { throw new UnsupportedOperationException("TODO"); }
    @Override public Optional<Blob> get(String key) { throw new UnsupportedOperationException("TODO"); }
    @Override public Optional<Blob> get(String key, BlobRange range) { throw new UnsupportedOperationException("TODO"); }
    @Override public Optional<BlobInfo> stat(String key) { throw new UnsupportedOperationException("TODO"); }
    @Override public void delete(String key) { throw new UnsupportedOperationException("TODO"); }
    @Override public BlobPage list(String prefix, String continuationToken, int maxKeys) { throw new UnsupportedOperationException("TODO"); }
    @Override public void close() { }
}
