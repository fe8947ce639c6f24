package dev.exstate.config;

import dev.exstate.config.spi.PublishingConfigSource;
import dev.exstate.internal.Check;
import dev.exstate.time.StateClock;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link ConfigSource} over a Java properties file (UTF-8), for local development: edit the
 * file and every listener of this process hears of it, without a restart.
 *
 * <p>What a user can rely on, besides the {@link ConfigSource} contract:
 * <ul>
 *   <li>the file is read once before {@link #open} returns, so a readable file is loaded at once
 *       (unless the validator refuses it);</li>
 *   <li>the revision starts at 1 and grows by one each time the parsed content changes; saving
 *       the file unchanged, or touching it, delivers nothing;</li>
 *   <li>changes are noticed through a {@link WatchService} on the file's directory (any event
 *       there triggers a re-read, which also covers Kubernetes ConfigMap volumes whose files are
 *       symlinks swapped behind the scenes) and, as a fallback for file systems where that misses
 *       changes, by re-reading every {@code pollInterval} (default 2 s);</li>
 *   <li>a missing file is an empty config (and a file deleted later empties it); a file that
 *       cannot be read or parsed is logged and ignored, the last good values stay, and
 *       {@link #health()} is DEGRADED until it can be read again.</li>
 * </ul>
 *
 * <p>Thread-safe. One daemon thread per source ({@code exstate-config-file-N}) watches the file;
 * listeners run on the delivery thread ({@code exstate-config-file}). Not meant for production
 * config shared by replicas: each replica would read its own file.
 */
public final class FileConfigSource extends PublishingConfigSource {
    private final Path file;

    private FileConfigSource(FileConfigBackend backend, Builder b) {
        super(backend, b.validator, b.clock);
        this.file = backend.file();
    }

    /** Opens a source over {@code file} with {@code validator} and the defaults. */
    public static FileConfigSource open(Path file, ConfigValidator validator) {
        return builder(file).validator(validator).build();
    }

    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** The watched file, as an absolute path. */
    public Path file() {
        return file;
    }

    /**
     * Options for a {@link FileConfigSource}. Defaults: accept every snapshot, the system clock,
     * poll every 2 s, use the {@link WatchService} when the file system offers one.
     */
    public static final class Builder {
        private final Path file;
        private ConfigValidator validator = ConfigValidator.acceptAll();
        private StateClock clock = StateClock.system();
        private Duration pollInterval = Duration.ofSeconds(2);
        private boolean useWatchService = true;

        private Builder(Path file) {
            this.file = Objects.requireNonNull(file, "file");
        }

        public Builder validator(ConfigValidator v) {
            this.validator = Objects.requireNonNull(v, "validator");
            return this;
        }

        /** Timestamps rejections. */
        public Builder clock(StateClock v) {
            this.clock = Objects.requireNonNull(v, "clock");
            return this;
        }

        /** How often the file is re-read even without a file-system event; 10 ms to 1 hour. */
        public Builder pollInterval(Duration v) {
            this.pollInterval = Check.between(v, Duration.ofMillis(10), Duration.ofHours(1), "pollInterval",
                    () -> "pollInterval must be between 10 ms and 1 hour, was " + v);
            return this;
        }

        /** False to rely on polling alone, e.g. on network file systems whose events are unreliable. */
        public Builder useWatchService(boolean v) {
            this.useWatchService = v;
            return this;
        }

        /** Reads the file once and starts watching it. */
        public FileConfigSource build() {
            return new FileConfigSource(new FileConfigBackend(file, pollInterval, useWatchService), this);
        }
    }
}
