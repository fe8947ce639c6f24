package dev.exstate.filesystem;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.internal.Check;
import dev.exstate.time.StateClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Options of a {@link FileSystemBlobStore}. Immutable and thread-safe, equal when their settings are; build with
 * {@link #builder(Path)}. Each setter checks its value at once and fails with
 * {@link IllegalArgumentException} naming the setting, the allowed range and the refused value.
 *
 * <p>Defaults: fsync on, stale locks broken after 30 s, a put waits at most 60 s for a key's
 * lock, 64 KiB I/O buffer, temporary files of crashed writers removed after 1 hour, guard
 * {@link #DEFAULT_GUARD_POLICY} named {@code filesystem}, the system clock.
 */
public final class FileSystemOptions {
    /**
     * Guard policy used when the store builds its own guard: the guard's defaults, but 10 s per
     * attempt and 30 s in all, because one attempt may fsync a large file on a network file system.
     */
    public static final GuardPolicy DEFAULT_GUARD_POLICY = GuardPolicy.defaults().toBuilder()
            .timeout(Duration.ofSeconds(10))
            .totalTimeout(Duration.ofSeconds(30))
            .build();
    /** Smallest I/O buffer. */
    public static final int MIN_BUFFER_SIZE = 4 * 1024;
    /** Largest I/O buffer (each put and each open blob holds one). */
    public static final int MAX_BUFFER_SIZE = 8 * 1024 * 1024;
    /** Longest root path accepted, in characters: the store's own names under it take up to about 3 KiB more. */
    public static final int MAX_ROOT_CHARS = 512;

    private final Path root;
    private final boolean fsync;
    private final Duration staleLockTimeout;
    private final Duration lockWaitTimeout;
    private final int bufferSize;
    private final Duration tempFileMaxAge;
    private final GuardPolicy guardPolicy;
    private final String guardName;
    private final StateClock clock;

    private FileSystemOptions(Builder b) {
        this.root = b.root;
        this.fsync = b.fsync;
        this.staleLockTimeout = b.staleLockTimeout;
        this.lockWaitTimeout = b.lockWaitTimeout;
        this.bufferSize = b.bufferSize;
        this.tempFileMaxAge = b.tempFileMaxAge;
        this.guardPolicy = b.guardPolicy;
        this.guardName = b.guardName;
        this.clock = b.clock;
    }

    /** A builder for a store on {@code root}, a directory that must exist (the mount point or a directory under it). */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** The shared directory, absolute and normalized. Blobs live under {@code <root>/blobs}, temporary files under {@code <root>/tmp}. */
    public Path root() {
        return root;
    }

    /** Whether every put forces the file and its directory to stable storage before it returns (default true). */
    public boolean fsync() {
        return fsync;
    }

    /** How long a replica must see the same lock on a key before it breaks it as left by a crashed writer (default 30 s). */
    public Duration staleLockTimeout() {
        return staleLockTimeout;
    }

    /** How long a put or delete waits for a key's lock before it fails with {@link dev.exstate.guard.StateTimeoutException} (default 60 s). */
    public Duration lockWaitTimeout() {
        return lockWaitTimeout;
    }

    /** Bytes of the buffer each put and each open blob reads and writes through (default 64 KiB). */
    public int bufferSize() {
        return bufferSize;
    }

    /** Age after which a temporary file is taken for a crashed writer's and deleted (default 1 hour; longer than any upload). */
    public Duration tempFileMaxAge() {
        return tempFileMaxAge;
    }

    /** Policy of the guard every file-system call goes through (default {@link #DEFAULT_GUARD_POLICY}). */
    public GuardPolicy guardPolicy() {
        return guardPolicy;
    }

    /** Backend name of that guard, as it appears in errors and metrics (default {@code filesystem}). */
    public String guardName() {
        return guardName;
    }

    /** Clock of lock ages, waits and last-modified times (default the system clock). */
    public StateClock clock() {
        return clock;
    }

    /** Equal if every setting is equal (clocks by identity). */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof FileSystemOptions f && root.equals(f.root) && fsync == f.fsync
                && staleLockTimeout.equals(f.staleLockTimeout) && lockWaitTimeout.equals(f.lockWaitTimeout)
                && bufferSize == f.bufferSize && tempFileMaxAge.equals(f.tempFileMaxAge) && guardPolicy.equals(f.guardPolicy)
                && guardName.equals(f.guardName) && clock == f.clock;
    }

    @Override
    public int hashCode() {
        return Objects.hash(root, fsync, staleLockTimeout, lockWaitTimeout, bufferSize, tempFileMaxAge, guardPolicy, guardName);
    }

    @Override
    public String toString() {
        return "FileSystemOptions[root=" + root + ", fsync=" + fsync + ", staleLockTimeout=" + staleLockTimeout
                + ", lockWaitTimeout=" + lockWaitTimeout + ", bufferSize=" + bufferSize + ", tempFileMaxAge=" + tempFileMaxAge
                + ", guardName=" + guardName + "]";
    }

    /** Builder of {@link FileSystemOptions}; starts from the defaults in the class comment. */
    public static final class Builder {
        private final Path root;
        private boolean fsync = true;
        private Duration staleLockTimeout = Duration.ofSeconds(30);
        private Duration lockWaitTimeout = Duration.ofSeconds(60);
        private int bufferSize = 64 * 1024;
        private Duration tempFileMaxAge = Duration.ofHours(1);
        private GuardPolicy guardPolicy = DEFAULT_GUARD_POLICY;
        private String guardName = "filesystem";
        private StateClock clock = StateClock.system();

        private Builder(Path root) {
            Objects.requireNonNull(root, "root");
            Path abs = root.toAbsolutePath().normalize();
            this.root = Check.valid(abs, abs.toString().length() <= MAX_ROOT_CHARS,
                    () -> "root must be at most " + MAX_ROOT_CHARS + " characters long, was " + abs.toString().length());
        }

        /** False to skip fsync of files and directories: faster, but a power loss may lose or truncate acknowledged puts. */
        public Builder fsync(boolean v) {
            this.fsync = v;
            return this;
        }

        /** 100 ms to 1 hour; longer than the longest pause (GC, CPU starvation) a replica may have while it holds a lock. */
        public Builder staleLockTimeout(Duration v) {
            this.staleLockTimeout = Check.between(v, Duration.ofMillis(100), Duration.ofHours(1), "staleLockTimeout",
                    () -> "staleLockTimeout must be between 100 ms and 1 hour, was " + v);
            return this;
        }

        /** 10 ms to 1 hour. */
        public Builder lockWaitTimeout(Duration v) {
            this.lockWaitTimeout = Check.between(v, Duration.ofMillis(10), Duration.ofHours(1), "lockWaitTimeout",
                    () -> "lockWaitTimeout must be between 10 ms and 1 hour, was " + v);
            return this;
        }

        /** {@value #MIN_BUFFER_SIZE} to {@value #MAX_BUFFER_SIZE} bytes. */
        public Builder bufferSize(int v) {
            this.bufferSize = Check.between(v, MIN_BUFFER_SIZE, MAX_BUFFER_SIZE, "bufferSize");
            return this;
        }

        /** 1 minute to 30 days. */
        public Builder tempFileMaxAge(Duration v) {
            this.tempFileMaxAge = Check.between(v, Duration.ofMinutes(1), Duration.ofDays(30), "tempFileMaxAge",
                    () -> "tempFileMaxAge must be between 1 minute and 30 days, was " + v);
            return this;
        }

        /** Policy of the store's guard; under a runtime, see {@link FileSystemBlobStore#blobs}. */
        public Builder guardPolicy(GuardPolicy v) {
            this.guardPolicy = Objects.requireNonNull(v, "guardPolicy");
            return this;
        }

        /** Not blank. */
        public Builder guardName(String v) {
            Objects.requireNonNull(v, "guardName");
            this.guardName = Check.valid(v, !v.isBlank(), () -> "guardName must not be blank");
            return this;
        }

        /** Clock of lock ages and waits and of last-modified times; tests pass a {@link dev.exstate.time.ManualClock}. */
        public Builder clock(StateClock v) {
            this.clock = Objects.requireNonNull(v, "clock");
            return this;
        }

        /** The options; every setting was checked when it was set. */
        public FileSystemOptions build() {
            return new FileSystemOptions(this);
        }
    }
}
