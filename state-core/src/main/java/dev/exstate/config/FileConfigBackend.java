package dev.exstate.config;

import dev.exstate.config.spi.ConfigBackend;
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
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feed of a {@link FileConfigSource}: reads the properties file at start, then again on
 * every event in its directory and every {@code pollInterval}, and offers its content whenever
 * it changed, with a revision that grows by one each time.
 */
final class FileConfigBackend implements ConfigBackend {
    private static final Logger log = LoggerFactory.getLogger(FileConfigBackend.class);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    /** Editors write in several steps; a short pause after an event lets them finish. */
    private static final long SETTLE_MILLIS = 30;

    private final Path file;
    private final Duration pollInterval;
    private final boolean useWatchService;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object readLock = new Object();

    // set by start(), before the watcher thread starts; read by close() on whichever thread closes
    private volatile Sink sink;
    private volatile WatchService watchService; // null when polling only
    private volatile Thread watcher;

    // guarded by readLock
    private Map<String, String> lastRead;
    private long revision;

    private volatile boolean closed;
    private volatile String problem;

    FileConfigBackend(Path file, Duration pollInterval, boolean useWatchService) {
        this.file = file.toAbsolutePath().normalize();
        this.pollInterval = pollInterval;
        this.useWatchService = useWatchService;
    }

    Path file() {
        return file;
    }

    @Override
    public String backendName() {
        return "file";
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    @Override
    public void start(Sink sink) {
        this.sink = sink;
        this.watchService = useWatchService ? openWatchService(file) : null;
        reload();
        this.watcher = new Thread(this::watchLoop, "exstate-config-file-" + THREAD_IDS.incrementAndGet());
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Set while the file cannot be read or parsed: the last good values stay in force. */
    @Override
    public String problem() {
        return problem;
    }

    @Override
    public void close() {
        closed = true;
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                log.debug("closing the watch service of {}", file, e);
            }
        }
        if (watcher == null) {
            return; // never started
        }
        watcher.interrupt();
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
            sink.offer(new ConfigSnapshot(revision, read));
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
}
