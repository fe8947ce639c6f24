package dev.exstate.config;

import dev.exstate.config.spi.ConfigPublisher;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.StateClock;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *       cannot be read or parsed is logged and ignored, the last good values stay.</li>
 * </ul>
 *
 * <p>Thread-safe. One daemon thread per source ({@code exstate-config-file-N}) watches the file;
 * listeners run on the publisher's delivery thread. Not meant for production config shared by
 * replicas: each replica would read its own file.
 */
public final class FileConfigSource implements ConfigSource {
    private static final Logger log = LoggerFactory.getLogger(FileConfigSource.class);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    /** Editors write in several steps; a short pause after an event lets them finish. */
    private static final long SETTLE_MILLIS = 30;

    private final Path file;
    private final Duration pollInterval;
    private final ConfigPublisher publisher;
    private final WatchService watchService; // null when polling only
    private final Thread watcher;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object readLock = new Object();

    // guarded by readLock
    private Map<String, String> lastRead;
    private long revision;

    private volatile boolean closed;
    private volatile String problem;

    private FileConfigSource(Builder b) {
        this.file = b.file.toAbsolutePath().normalize();
        this.pollInterval = b.pollInterval;
        this.publisher = new ConfigPublisher("file", b.validator, b.clock);
        this.watchService = b.useWatchService ? openWatchService(file) : null;
        reload();
        this.watcher = new Thread(this::watchLoop, "exstate-config-file-" + THREAD_IDS.incrementAndGet());
        watcher.setDaemon(true);
        watcher.start();
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

    @Override
    public ConfigSnapshot current() {
        return publisher.current().orElseThrow(() -> new ConfigNotLoadedException(
                "no config loaded from " + file + ": the validator rejected every version of the file so far"
                        + publisher.lastRejection().map(r -> " (last: revision " + r.revision() + ", " + r.problems() + ")").orElse("")
                        + "; fix the file, it is re-read when it changes"));
    }

    @Override
    public boolean isLoaded() {
        return publisher.current().isPresent();
    }

    @Override
    public AutoCloseable subscribe(ConfigListener listener) {
        return publisher.subscribe(listener);
    }

    @Override
    public Optional<ConfigRejection> lastRejection() {
        return publisher.lastRejection();
    }

    /** The publisher's health (DOWN until loaded); DEGRADED while the file cannot be read or parsed. */
    @Override
    public BackendHealth health() {
        BackendHealth h = publisher.health();
        String p = problem;
        if (p != null && h.status() == BackendHealth.Status.UP) {
            return BackendHealth.degraded(h.component(), h.detail() + "; " + p);
        }
        return h;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                log.debug("closing the watch service of {}", file, e);
            }
        }
        watcher.interrupt();
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
    }

    @Override
    public String toString() {
        return "FileConfigSource[" + file + ", " + publisher + "]";
    }

    private static WatchService openWatchService(Path file) {
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            log.warn("config file {}: directory does not exist, so changes are found by polling only", file);
            return null;
        }
        WatchService ws = null;
        try {
            ws = dir.getFileSystem().newWatchService();
            dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            return ws;
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("config file {}: cannot watch its directory ({}), so changes are found by polling only", file, e.toString());
            if (ws != null) {
                try {
                    ws.close();
                } catch (IOException ignored) {
                    // nothing more to release
                }
            }
            return null;
        }
    }

    private void watchLoop() {
        try {
            while (!closed) {
                if (watchService == null) {
                    Thread.sleep(pollInterval.toMillis());
                } else {
                    WatchKey key = watchService.poll(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                    if (key != null) {
                        // any event in the directory may concern the file (renames, symlink swaps)
                        Thread.sleep(SETTLE_MILLIS);
                        key.pollEvents();
                        if (!key.reset()) {
                            log.warn("config file {}: its directory can no longer be watched; polling every {}", file, pollInterval);
                        }
                    }
                }
                if (!closed) {
                    reload();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("config file {}: watcher stopped unexpectedly; changes are no longer picked up", file, e);
        } finally {
            stopped.countDown();
        }
    }

    /** Reads the file and offers it if its content changed. */
    private void reload() {
        Map<String, String> read;
        try {
            read = readFile(file);
            problem = null;
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: a malformed unicode escape in the file
            if (closed) {
                return; // an interrupted read while closing is no problem of the file
            }
            String p = "cannot read " + file + ": " + e;
            if (!p.equals(problem)) {
                log.warn("config file {}: {}; keeping the last good values", file, e.toString());
            }
            problem = p;
            return;
        }
        synchronized (readLock) {
            if (read.equals(lastRead)) {
                return;
            }
            lastRead = read;
            revision++;
            publisher.offer(new ConfigSnapshot(revision, read));
        }
    }

    private static Map<String, String> readFile(Path file) throws IOException {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (CharacterCodingException e) {
            throw new IOException("the file is not valid UTF-8", e);
        }
        Map<String, String> out = new TreeMap<>();
        for (String name : props.stringPropertyNames()) {
            out.put(name, props.getProperty(name));
        }
        return out;
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
            Objects.requireNonNull(v, "pollInterval");
            // compared as Durations: toMillis() of a huge one would overflow
            if (v.compareTo(Duration.ofMillis(10)) < 0 || v.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("pollInterval must be between 10 ms and 1 hour, was " + v);
            }
            this.pollInterval = v;
            return this;
        }

        /** False to rely on polling alone, e.g. on network file systems whose events are unreliable. */
        public Builder useWatchService(boolean v) {
            this.useWatchService = v;
            return this;
        }

        /** Reads the file once and starts watching it. */
        public FileConfigSource build() {
            return new FileConfigSource(this);
        }
    }
}
