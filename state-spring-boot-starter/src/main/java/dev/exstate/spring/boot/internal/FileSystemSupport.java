package dev.exstate.spring.boot.internal;

import dev.exstate.filesystem.FileSystemBlobStore;
import dev.exstate.filesystem.FileSystemOptions;
import dev.exstate.spring.boot.ExstateProperties;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code exstate.filesystem.*} to {@link FileSystemOptions}, and the shared directory as an {@link ExstateBackend}. */
public final class FileSystemSupport {
    /** Backend name, as in {@code exstate.guard.filesystem} and the readiness component. */
    public static final String NAME = "filesystem";
    static final String PREFIX = "exstate.filesystem";
    static final String ROOT = PREFIX + ".root";

    private FileSystemSupport() {
    }

    /**
     * The options the properties describe, built through {@link FileSystemOptions}' builder.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *         naming the property whose value the builder refused, or {@code exstate.filesystem.root}
     *         if the directory does not exist (a volume that failed to mount must not become a local
     *         directory each replica keeps to itself)
     */
    public static FileSystemOptions options(ExstateProperties.FileSystem p) {
        Path root = p.getRoot();
        if (root == null || root.toString().isBlank()) {
            throw Settings.invalid(ROOT, null, new IllegalArgumentException("the shared directory is required, e.g. /mnt/shared"));
        }
        if (!Files.isDirectory(root)) {
            throw Settings.invalid(ROOT, root, new IllegalArgumentException("no such directory: the blob store's root must "
                    + "exist on every replica (is the shared volume mounted?); exstate creates blobs/ and tmp/ in it, never "
                    + "the root itself"));
        }
        return Settings.from(PREFIX, "root", root, FileSystemOptions::builder)
                .set("fsync", p.isFsync(), FileSystemOptions.Builder::fsync)
                .set("stale-lock-timeout", p.getStaleLockTimeout(), FileSystemOptions.Builder::staleLockTimeout)
                .set("lock-wait-timeout", p.getLockWaitTimeout(), FileSystemOptions.Builder::lockWaitTimeout)
                .set("buffer-size", p.getBufferSize(), (b, v) -> b.bufferSize(Sizes.toInt(v, "bufferSize")))
                .set("temp-file-max-age", p.getTempFileMaxAge(), FileSystemOptions.Builder::tempFileMaxAge)
                .build(FileSystemOptions.Builder::build);
    }

    /** The shared directory for the runtime: the blob store, on the runtime's guard {@code filesystem}. */
    public static ExstateBackend backend(FileSystemOptions options) {
        return ExstateBackend.blobsOnly(NAME, options.guardName(), FileSystemOptions.DEFAULT_GUARD_POLICY,
                FileSystemBlobStore.blobs(options), "filesystem backend " + options.root());
    }
}
