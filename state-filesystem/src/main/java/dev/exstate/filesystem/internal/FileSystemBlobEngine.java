package dev.exstate.filesystem.internal;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobKeys;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStats;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.Guard;
import dev.exstate.internal.BlobTransfers;
import dev.exstate.internal.BlobValues;
import dev.exstate.time.StateClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of {@link dev.exstate.filesystem.FileSystemBlobStore}; see its class comment for
 * what it guarantees. Layout under the root: {@code blobs/} (see {@link KeyPaths}) and
 * {@code tmp/}, where puts stream their content before the rename that publishes it. Not API.
 */
public final class FileSystemBlobEngine {
    private static final Logger LOG = LoggerFactory.getLogger(FileSystemBlobEngine.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TEMP_SUFFIX = ".tmp";
    private static final String TOKEN_PREFIX = "fs1.";
    private static final Comparator<String> KEY_ORDER =
            (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    private static final boolean DIRECTORY_FSYNC = !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    /** What the engine is given; the public options class lives in the API package. */
    public record Settings(Path root, boolean fsync, Duration staleLockTimeout, Duration lockWaitTimeout, int bufferSize,
                           Duration tempFileMaxAge, StateClock clock) {
    }

    private final Settings settings;
    private final Path blobs;
    private final Path tmp;
    private final Path realRoot;
    private final GuardedIo io;
    private final KeyLocks locks;
    private final StateClock clock;
    private final BlobTransfers transfers = new BlobTransfers();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong lastSweep;
    private final long sweepEveryNanos;
    private final String tempTag = "-" + ProcessHandle.current().pid() + TEMP_SUFFIX;

    /**
     * Opens the store on an existing root, creating {@code blobs/} and {@code tmp/} in it, and
     * removes temporary files older than the maximum age.
     *
     * @throws IllegalStateException if the root is missing or not a directory (the store never
     *                               creates it: a volume that failed to mount must not turn into a local directory)
     */
    public FileSystemBlobEngine(Settings settings, Guard guard) {
        this.settings = settings;
        this.clock = settings.clock();
        this.io = new GuardedIo(guard);
        Path root = settings.root();
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("filesystem blob store: root " + root + " does not exist or is not a directory;"
                    + " is the shared volume mounted? (the store does not create the root, so that a missing mount is not"
                    + " silently replaced by a local directory)");
        }
        this.blobs = root.resolve("blobs");
        this.tmp = root.resolve("tmp");
        this.realRoot = io.call("blob.open", true, null, () -> {
            Files.createDirectories(blobs);
            Files.createDirectories(tmp);
            return root.toRealPath();
        });
        this.locks = new KeyLocks(io, clock, settings.staleLockTimeout(), settings.lockWaitTimeout());
        this.sweepEveryNanos = settings.tempFileMaxAge().toNanos() / 4;
        this.lastSweep = new AtomicLong(clock.nanoTime());
        sweepTempFiles();
    }

    public BlobInfo put(String key, InputStream content, long length, PutOptions options) {
        BlobValues.checkPut(key, content, length, options);
        Path dir = KeyPaths.directory(blobs, key);
        String name = KeyPaths.name(KeyPaths.lastSegment(key));
        Map<String, String> metadata = BlobValues.lowerCaseKeys(options.metadata());
        // fails now, before anything is written, if the metadata cannot be stored
        BlobFile.trailer(new BlobInfo(key, 0, "\"" + "0".repeat(64) + "\"", Instant.EPOCH, options.contentType(), metadata));
        ensureOpen();
        maybeSweep();
        Path temp = tmp.resolve(HexFormat.of().formatHex(randomBytes(16)) + tempTag);
        FileChannel ch = io.call("blob.put.create", false, key,
                () -> FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        boolean published = false;
        try {
            BlobInfo info = stream(key, content, length, ch, options.contentType(), metadata);
            io.call("blob.put.seal", false, key, () -> {
                BlobFile.writeFully(ch, BlobFile.trailer(info), info.size());
                if (settings.fsync()) {
                    ch.force(true);
                }
                ch.close();
                return null;
            });
            publish(key, dir, name, temp, options.condition());
            published = true;
            transfers.uploaded(info.size());
            return info;
        } finally {
            closeQuietly(ch);
            if (!published) {
                deleteQuietly(temp);
            }
        }
    }

    /** Streams the caller's content into the temporary file through one buffer; returns the info it will be published with. */
    private BlobInfo stream(String key, InputStream in, long length, FileChannel ch, String contentType, Map<String, String> metadata) {
        MessageDigest sha = BlobValues.sha256();
        byte[] buffer = new byte[settings.bufferSize()];
        long total = 0;
        while (true) {
            int n = fillFrom(in, buffer, key, total);
            if (length >= 0 && total + Math.max(n, 0) > length) {
                throw new IllegalArgumentException("put of blob '" + key + "': the stream has more than the declared " + length
                        + " bytes; nothing was written");
            }
            if (n > 0) {
                sha.update(buffer, 0, n);
                long at = total;
                int count = n;
                io.call("blob.put.write", false, key, () -> {
                    BlobFile.writeFully(ch, ByteBuffer.wrap(buffer, 0, count), at);
                    return null;
                });
                total += n;
            }
            if (n < buffer.length) {
                break;
            }
        }
        if (length >= 0 && total != length) {
            throw new IllegalArgumentException("put of blob '" + key + "': the stream ended after " + total
                    + " bytes, but the declared length is " + length + "; nothing was written");
        }
        return new BlobInfo(key, total, BlobValues.etag(sha), clock.now(), contentType, metadata);
    }

    /** Reads until the buffer is full or the stream ends; returns the bytes read (fewer than the buffer only at the end). */
    private static int fillFrom(InputStream in, byte[] buffer, String key, long before) {
        int n = 0;
        try {
            while (n < buffer.length) {
                int r = in.read(buffer, n, buffer.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("put of blob '" + key + "': reading the content failed after " + (before + n)
                    + " bytes; nothing was written", e);
        }
        return n;
    }

    /** Under the key's lock: checks the condition, then renames the temporary file over the key. */
    private void publish(String key, Path dir, String name, Path temp, PutOptions.Condition condition) {
        Path target = dir.resolve(name + KeyPaths.BLOB_SUFFIX);
        Path lock = dir.resolve(name + KeyPaths.LOCK_SUFFIX);
        GuardedIo.Body<Void> makeDirectory = () -> {
            makeDirectories(key);
            return null;
        };
        io.call("blob.put.mkdirs", true, key, makeDirectory);
        while (true) {
            KeyLocks.Held held = locks.acquire(lock, key, makeDirectory);
            try {
                boolean done = io.call("blob.put.publish", false, key, () -> {
                    checkInside(dir);
                    checkCondition(key, target, condition);
                    if (!held.stillHeld()) {
                        return false;
                    }
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                    fsyncDirectory(dir);
                    return true;
                });
                if (done) {
                    return;
                }
                LOG.warn("exstate filesystem: lost the lock of blob '{}' before publishing (paused longer than the stale-lock"
                        + " timeout?); taking it again", key);
            } finally {
                held.release();
            }
        }
    }

    private static void checkCondition(String key, Path target, PutOptions.Condition condition) throws IOException {
        if (condition.ifAbsent()) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifAbsent: the key already exists;"
                        + " nothing was written");
            }
        } else if (condition.ifMatchEtag() != null) {
            BlobInfo current = readInfo(target);
            if (current == null) {
                throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifMatch: no blob has this key;"
                        + " nothing was written");
            }
            if (!BlobValues.unquote(current.etag()).equals(BlobValues.unquote(condition.ifMatchEtag()))) {
                throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifMatch: the blob changed (etag "
                        + current.etag() + ", expected " + condition.ifMatchEtag() + "); nothing was written");
            }
        }
    }

    public Optional<Blob> get(String key, BlobRange range) {
        BlobKeys.validate(key);
        Objects.requireNonNull(range, "range");
        ensureOpen();
        Path dir = KeyPaths.directory(blobs, key);
        Path target = dir.resolve(KeyPaths.name(KeyPaths.lastSegment(key)) + KeyPaths.BLOB_SUFFIX);
        Opened opened = io.call("blob.get", true, key, () -> {
            if (!checkInside(dir)) {
                return null;
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(target, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
            try {
                return new Opened(ch, BlobFile.read(ch));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        });
        if (opened == null) {
            return Optional.empty();
        }
        long size = opened.header.dataLength();
        long start = Math.min(range.offset(), size);
        long count = range.length() == -1 ? size - start : Math.min(range.length(), size - start);
        InputStream in = new ChannelInput(opened.channel, start, count, settings.bufferSize(), io, key);
        return Optional.of(new Blob(opened.header.info(), transfers.downloading(in)));
    }

    private record Opened(FileChannel channel, BlobFile.Header header) {
    }

    public Optional<BlobInfo> stat(String key) {
        BlobKeys.validate(key);
        ensureOpen();
        Path dir = KeyPaths.directory(blobs, key);
        Path target = dir.resolve(KeyPaths.name(KeyPaths.lastSegment(key)) + KeyPaths.BLOB_SUFFIX);
        return Optional.ofNullable(io.call("blob.stat", true, key, () -> checkInside(dir) ? readInfo(target) : null));
    }

    public void delete(String key) {
        BlobKeys.validate(key);
        ensureOpen();
        Path dir = KeyPaths.directory(blobs, key);
        String name = KeyPaths.name(KeyPaths.lastSegment(key));
        Path target = dir.resolve(name + KeyPaths.BLOB_SUFFIX);
        boolean exists = io.call("blob.delete", true, key, () -> checkInside(dir) && Files.exists(target, LinkOption.NOFOLLOW_LINKS));
        if (!exists) {
            return;
        }
        // under the lock, so a conditional put's check and rename never straddle a delete
        KeyLocks.Held held = locks.acquire(dir.resolve(name + KeyPaths.LOCK_SUFFIX), key, () -> null);
        try {
            io.call("blob.delete", true, key, () -> {
                if (Files.deleteIfExists(target)) {
                    fsyncDirectory(dir);
                }
                return null;
            });
        } finally {
            held.release();
        }
    }

    public BlobPage list(String prefix, String continuationToken, int maxKeys) {
        BlobValues.checkMaxKeys(maxKeys);
        String p = BlobKeys.validatePrefix(prefix);
        String after = keyAfter(continuationToken);
        ensureOpen();
        String dirPrefix = p.substring(0, p.lastIndexOf('/') + 1);
        Path start = KeyPaths.directoryOfPrefix(blobs, dirPrefix);
        List<BlobInfo> items = io.call("blob.list", true, p.isEmpty() ? null : p + "*", () -> {
            List<BlobInfo> out = new ArrayList<>();
            if (checkInside(start)) {
                walk(start, dirPrefix, p, after, out, maxKeys + 1);
            }
            return out;
        });
        boolean more = items.size() > maxKeys;
        List<BlobInfo> page = more ? items.subList(0, maxKeys) : items;
        return new BlobPage(page, more ? TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(page.get(page.size() - 1).key().getBytes(StandardCharsets.UTF_8)) : null);
    }

    /** One entry of a directory: a blob (its key) or a directory (the prefix of every key under it, ending in '/'). */
    private record Entry(String key, Path path, boolean directory, BlobInfo info) {
    }

    /**
     * Adds to {@code out}, in key order, the blobs under {@code dir} (whose keys start with
     * {@code dirPrefix}) that start with {@code prefix} and come after {@code after}, until it
     * holds {@code limit}. Holds one directory's entries per level, never the whole tree.
     */
    private void walk(Path dir, String dirPrefix, String prefix, String after, List<BlobInfo> out, int limit) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path path : stream) {
                Entry e = entry(path, dirPrefix);
                if (e != null && (e.key.startsWith(prefix) || (e.directory && prefix.startsWith(e.key)))) {
                    entries.add(e);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return;
        }
        entries.sort(Comparator.comparing(Entry::key, KEY_ORDER));
        for (Entry e : entries) {
            if (out.size() >= limit) {
                return;
            }
            if (e.directory) {
                // every key below starts with e.key: all of them sort before 'after' unless 'after' lies inside
                if (after == null || KEY_ORDER.compare(e.key, after) > 0 || after.startsWith(e.key)) {
                    walk(e.path, e.key, prefix, after, out, limit);
                }
            } else if (after == null || KEY_ORDER.compare(e.key, after) > 0) {
                BlobInfo info = e.info != null ? e.info : listable(e.path);
                if (info != null) {
                    out.add(info);
                }
            }
        }
    }

    private Entry entry(Path path, String dirPrefix) throws IOException {
        String file = path.getFileName().toString();
        boolean blob = file.endsWith(KeyPaths.BLOB_SUFFIX);
        if (!blob && !file.endsWith(KeyPaths.DIR_SUFFIX)) {
            return null; // locks, segment names, anything else
        }
        String name = file.substring(0, file.length() - 2);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (!blob && a.isDirectory()) {
            String segment = KeyPaths.isHashed(name) ? readSegment(path) : KeyPaths.segment(name);
            return segment == null ? null : new Entry(dirPrefix + segment + "/", path, true, null);
        }
        if (blob && a.isRegularFile()) {
            if (KeyPaths.isHashed(name)) {
                BlobInfo info = listable(path);
                return info == null ? null : new Entry(info.key(), path, false, info);
            }
            String segment = KeyPaths.segment(name);
            return segment == null ? null : new Entry(dirPrefix + segment, path, false, null);
        }
        LOG.warn("exstate filesystem: skipping {} in the listing: not a regular file or directory (a symbolic link?)", path);
        return null;
    }

    private static String readSegment(Path dir) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(Files.readAllBytes(dir.resolve(KeyPaths.SEGMENT_FILE)))).toString();
        } catch (NoSuchFileException | CharacterCodingException e) {
            return null; // being created: nothing was published under it yet
        }
    }

    private static String keyAfter(String token) {
        if (BlobKeys.validateContinuationToken(token) == null) {
            return null;
        }
        IllegalArgumentException notIssued = new IllegalArgumentException(
                "continuation token was not issued by a FileSystemBlobStore; pass back the token a page returned, unchanged");
        if (!token.startsWith(TOKEN_PREFIX)) {
            throw notIssued;
        }
        try {
            return BlobKeys.validate(StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(token.substring(TOKEN_PREFIX.length())))).toString());
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw notIssued;
        }
    }

    /** The info of the blob file at {@code path} for a listing: null if it is gone or not a blob file (logged, so one foreign file does not break every listing). */
    private static BlobInfo listable(Path path) throws IOException {
        try {
            return readInfo(path);
        } catch (BlobFile.Corrupt e) {
            LOG.warn("exstate filesystem: skipping {} in the listing: {}", path, e.getMessage());
            return null;
        }
    }

    /** The info of the blob file at {@code path}, or null if there is none. */
    private static BlobInfo readInfo(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return BlobFile.read(ch).info();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Creates the key's directories; a hashed one gets its segment file before anything is published in it. */
    private void makeDirectories(String key) throws IOException {
        Path dir = blobs;
        int start = 0;
        for (int slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', start)) {
            String segment = key.substring(start, slash);
            String name = KeyPaths.name(segment);
            Path parent = dir;
            dir = dir.resolve(name + KeyPaths.DIR_SUFFIX);
            start = slash + 1;
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir);
                    fsyncDirectory(parent);
                } catch (FileAlreadyExistsException e) {
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                        throw new BlobFile.Corrupt(dir + " is in the way of blob '" + key + "': it is not a directory"
                                + " (a symbolic link or a foreign file); remove it");
                    }
                }
            }
            if (KeyPaths.isHashed(name) && !Files.exists(dir.resolve(KeyPaths.SEGMENT_FILE))) {
                Path temp = tmp.resolve(HexFormat.of().formatHex(randomBytes(16)) + tempTag);
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    BlobFile.writeFully(ch, ByteBuffer.wrap(segment.getBytes(StandardCharsets.UTF_8)), 0);
                    if (settings.fsync()) {
                        ch.force(true);
                    }
                }
                Files.move(temp, dir.resolve(KeyPaths.SEGMENT_FILE), StandardCopyOption.ATOMIC_MOVE);
                fsyncDirectory(dir);
            }
        }
    }

    /**
     * True if {@code dir} exists and, with symbolic links resolved, lies under the root; false if
     * it does not exist.
     *
     * @throws BlobFile.Corrupt if a symbolic link leads it out of the root
     */
    private boolean checkInside(Path dir) throws IOException {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!real.startsWith(realRoot)) {
            throw new BlobFile.Corrupt(dir + " leads out of the store's root (to " + real + ") through a symbolic link; remove the link");
        }
        return true;
    }

    private void fsyncDirectory(Path dir) throws IOException {
        if (settings.fsync() && DIRECTORY_FSYNC) {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
    }

    /** Runs a sweep if the last one is more than a quarter of the maximum age ago; on the caller's thread, at most one at a time. */
    private void maybeSweep() {
        long last = lastSweep.get();
        if (clock.nanoTime() - last >= sweepEveryNanos && lastSweep.compareAndSet(last, clock.nanoTime())) {
            sweepTempFiles();
        }
    }

    /**
     * Deletes temporary files (of any replica) last modified more than the maximum age ago: what
     * writers that crashed mid-upload left. Returns how many; failures are logged, not thrown.
     */
    public int sweepTempFiles() {
        Instant cutoff = clock.now().minus(settings.tempFileMaxAge());
        try {
            return io.call("blob.sweep", true, null, () -> {
                int removed = 0;
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(tmp, "*" + TEMP_SUFFIX)) {
                    for (Path p : stream) {
                        try {
                            if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)
                                    && Files.deleteIfExists(p)) {
                                removed++;
                            }
                        } catch (NoSuchFileException e) {
                            // removed by another replica's sweep
                        }
                    }
                }
                if (removed > 0) {
                    LOG.info("exstate filesystem: removed {} temporary files older than {} left by interrupted uploads in {}",
                            removed, settings.tempFileMaxAge(), tmp);
                }
                return removed;
            });
        } catch (RuntimeException e) {
            LOG.warn("exstate filesystem: could not sweep temporary files in {}: {}", tmp, e.toString());
            return 0;
        }
    }

    public Optional<BlobStats> stats() {
        return Optional.of(transfers.stats());
    }

    public Path blobsDirectory() {
        return blobs;
    }

    public Path tempDirectory() {
        return tmp;
    }

    public void close() {
        closed.set(true);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("filesystem blob store on " + settings.root() + " is closed");
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // the put has failed or succeeded already; nothing to add
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException | RuntimeException e) {
            LOG.debug("exstate filesystem: temporary file {} stays until the sweep: {}", temp, e.toString());
        }
    }
}
