package dev.exstate.filesystem;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStats;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.filesystem.internal.FileSystemBlobEngine;
import dev.exstate.guard.Guard;
import dev.exstate.runtime.ProviderFactory;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link BlobStore} on a directory that several replicas mount: an NFS export, Amazon EFS, a
 * Kubernetes {@code ReadWriteMany} volume, or a local directory shared by processes of one host.
 * Thread-safe; every method blocks its caller, each file-system call at most as long as the
 * guard's policy allows.
 *
 * <p>What a user can rely on, beyond the {@link BlobStore} contract:
 * <ul>
 *   <li><b>Atomic publish.</b> A put streams to a temporary file under {@code <root>/tmp} (a
 *       random name), fsyncs it, renames it over the key's file ({@code ATOMIC_MOVE}) and fsyncs
 *       the directory. Content and metadata (content type, user metadata, etag) are one file, so a
 *       reader sees a whole old version or a whole new one, never a partial blob or one version's
 *       content with another's metadata. An open blob keeps reading the version it opened.</li>
 *   <li><b>Conditional puts across processes and hosts.</b> {@link PutOptions#ifAbsent()} and
 *       {@link PutOptions#ifMatch} are checked and applied under a per-key lock file created with
 *       {@code O_CREAT|O_EXCL}; unconditional puts and deletes take the same lock for their rename,
 *       so a condition and its rename are never split by another write. A lock left by a crashed
 *       writer is broken once a replica has seen it unchanged for
 *       {@link FileSystemOptions#staleLockTimeout()}; breaking is itself atomic (one rename wins).
 *       The etag is the quoted hex SHA-256 of the content.</li>
 *   <li><b>Bounded memory.</b> A put reads its stream through one buffer of
 *       {@link FileSystemOptions#bufferSize()}; an open blob holds one such buffer.</li>
 *   <li><b>Keys.</b> Checked by {@link dev.exstate.blob.BlobKeys#validate}; each segment maps to an
 *       escaped ASCII name (never {@code .} or {@code ..}, distinct on case-insensitive file
 *       systems, hashed if longer than a file name may be), so no key reaches outside the root. A
 *       symbolic link found leading out of the root is refused with
 *       {@link dev.exstate.guard.StateDataException}.</li>
 *   <li><b>Crash leftovers.</b> A writer killed mid-upload leaves only a temporary file, never
 *       listed, deleted by any replica once older than {@link FileSystemOptions#tempFileMaxAge()}.</li>
 *   <li><b>Errors.</b> Every file-system call goes through the {@link Guard} (backend
 *       {@code filesystem}): I/O failures (full disk, read-only or vanished mount, stale NFS
 *       handle) become {@link dev.exstate.guard.StateUnavailableException} whose message says what
 *       failed and what to do; bad keys, failed conditions and refused permissions are typed
 *       exceptions the guard does not count as outages. A lock held past
 *       {@link FileSystemOptions#lockWaitTimeout()} gives {@link dev.exstate.guard.StateTimeoutException}.</li>
 * </ul>
 *
 * <p><b>Where the guarantees hold.</b> Exclusive create and rename must be atomic on the server:
 * local file systems (ext4, XFS, btrfs, tmpfs, APFS), NFSv4.x and NFSv3 (both send {@code O_EXCL}
 * creates to the server as exclusive creates; no NLM/{@code fcntl} locking is used), and Amazon
 * EFS (NFSv4.1). Not NFSv2 (no exclusive create), not SMB/CIFS, and not object-store FUSE mounts
 * (s3fs, goofys, gcsfuse), whose rename is a copy and whose create is not exclusive. On NFS, mount
 * with {@code lookupcache=positive} (or {@code none}): otherwise a replica may trust a cached "no
 * such file" for up to the attribute-cache time, which can fail an {@code ifAbsent} check's
 * purpose and hide a new blob from {@code get}. Close-to-open consistency then makes a put
 * acknowledged by one host visible to the next {@code get} on another. A reader on another host
 * may get an error (stale file handle) if the version it is reading is replaced mid-read; it never
 * gets mixed bytes.
 */
public final class FileSystemBlobStore implements BlobStore {
    private final FileSystemOptions options;
    private final Guard guard;
    private final boolean ownsGuard;
    private final FileSystemBlobEngine engine;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FileSystemBlobStore(FileSystemOptions options, Guard guard, boolean ownsGuard) {
        this.options = Objects.requireNonNull(options, "options");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.ownsGuard = ownsGuard;
        this.engine = new FileSystemBlobEngine(new FileSystemBlobEngine.Settings(options.root(), options.fsync(),
                options.staleLockTimeout(), options.lockWaitTimeout(), options.bufferSize(), options.tempFileMaxAge(),
                options.clock()), guard);
    }

    /**
     * A store with its own guard ({@link FileSystemOptions#guardPolicy()}), closed with the store.
     *
     * @throws IllegalStateException if the root does not exist (is the volume mounted?)
     */
    public static FileSystemBlobStore open(FileSystemOptions options) {
        Guard own = Guard.builder(options.guardName()).policy(options.guardPolicy()).clock(options.clock()).build();
        try {
            return new FileSystemBlobStore(options, own, true);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /** A store on {@code root} with the default options. */
    public static FileSystemBlobStore open(Path root) {
        return open(FileSystemOptions.builder(root).build());
    }

    /** A store whose calls go through {@code guard}, shared with other users of the same volume; the store does not close it. */
    public static FileSystemBlobStore open(FileSystemOptions options, Guard guard) {
        return new FileSystemBlobStore(options, guard, false);
    }

    /**
     * For {@code StateRuntime.builder(app).blobs(FileSystemBlobStore.blobs(options))}: uses the
     * runtime's guard named {@link FileSystemOptions#guardName()}.
     */
    public static ProviderFactory<FileSystemBlobStore> blobs(FileSystemOptions options) {
        Objects.requireNonNull(options, "options");
        return context -> open(options, context.guard(options.guardName(), FileSystemOptions.DEFAULT_GUARD_POLICY,
                options.guardPolicy()));
    }

    public FileSystemOptions options() {
        return options;
    }

    /** The guard every file-system call of this store goes through. */
    public Guard guard() {
        return guard;
    }

    @Override
    public BlobInfo put(String key, InputStream content, long length, PutOptions putOptions) {
        return engine.put(key, content, length, putOptions);
    }

    @Override
    public Optional<Blob> get(String key) {
        return engine.get(key, BlobRange.from(0));
    }

    @Override
    public Optional<Blob> get(String key, BlobRange range) {
        return engine.get(key, range);
    }

    @Override
    public Optional<BlobInfo> stat(String key) {
        return engine.stat(key);
    }

    @Override
    public void delete(String key) {
        engine.delete(key);
    }

    /** Listed items carry content type and metadata too (they are read with the size and etag). */
    @Override
    public BlobPage list(String prefix, String continuationToken, int maxKeys) {
        return engine.list(prefix, continuationToken, maxKeys);
    }

    /** Bytes of the puts that succeeded and bytes callers read from blobs this store returned. */
    @Override
    public Optional<BlobStats> stats() {
        return engine.stats();
    }

    /** Deletes temporary files older than {@link FileSystemOptions#tempFileMaxAge()} now (puts also do it from time to time); returns how many. */
    public int sweepTempFiles() {
        return engine.sweepTempFiles();
    }

    /** Marks the store closed (and closes the guard if the store built it). Idempotent. Blobs stay on the volume. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        engine.close();
        if (ownsGuard) {
            guard.close();
        }
    }

    @Override
    public String toString() {
        return "FileSystemBlobStore[" + options.root() + "]";
    }
}
