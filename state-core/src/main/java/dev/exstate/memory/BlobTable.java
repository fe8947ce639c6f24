package dev.exstate.memory;

import dev.exstate.blob.BlobInfo;
import dev.exstate.time.StateClock;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The blobs of an {@link InMemoryBackend}, shared by every {@link MemoryBlobStore} made from it.
 * Thread-safe. Keys are kept in the order of their Unicode code points, which is the order of
 * their UTF-8 bytes and so the order an S3 listing uses.
 */
final class BlobTable {
    /** Code point order; {@link String#compareTo} (UTF-16 units) differs for supplementary characters. */
    static final Comparator<String> KEY_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private final StateClock clock;
    private final ConcurrentSkipListMap<String, StoredBlob> blobs = new ConcurrentSkipListMap<>(KEY_ORDER);

    BlobTable(StateClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * One stored blob. Immutable; its identity is what conditional replaces compare, so it
     * deliberately keeps {@link Object#equals}.
     */
    static final class StoredBlob {
        private final byte[] content;
        private final BlobInfo info;

        StoredBlob(byte[] content, BlobInfo info) {
            this.content = content;
            this.info = info;
        }

        /** Never change the returned array. */
        byte[] content() {
            return content;
        }

        BlobInfo info() {
            return info;
        }
    }

    StateClock clock() {
        return clock;
    }

    /** The live map, in key order; callers use only its atomic operations. */
    ConcurrentNavigableMap<String, StoredBlob> blobs() {
        return blobs;
    }
}
