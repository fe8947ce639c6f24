package dev.exstate.testkit.backend;

import dev.exstate.internal.Check;
import dev.exstate.testkit.internal.TempDirs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real backend server (redis-server, etcd) running as a child process on loopback ports, with
 * its own temporary data directory and its output captured to {@link #logFile()} in that
 * directory.
 *
 * <p>Faults are driven through the controls: {@link #stop()} (SIGTERM), {@link #kill()} (SIGKILL),
 * {@link #pause()}/{@link #resume()} (SIGSTOP/SIGCONT) and {@link #restart()}, which starts the
 * server again on the same ports and the same data directory, so whatever it persisted survives.
 * The data directory is deleted only by {@link #close()}. Processes that are never closed are
 * killed by a JVM shutdown hook.
 *
 * <p>All controls are thread-safe and blocking: {@code start()} and {@code restart()} return once
 * the server answers its readiness check, or throw {@link BackendStartException} with the last
 * lines of the server's log.
 *
 * @param <T> the concrete server, which {@code start()} and {@code restart()} return
 */
public abstract sealed class BackendProcess<T extends BackendProcess<T>> implements Launcher<T>
        permits RedisServer, EtcdServer {
    private static final String HOST = "127.0.0.1";
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(20);
    private static final Logger log = LoggerFactory.getLogger(BackendProcess.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 25;
    private static final int LOG_TAIL_LINES = 40;
    private static final int MAX_PORT_ATTEMPTS = 5;
    private static final Pattern SECRET_FLAG = Pattern.compile("(?i).*(pass|auth|secret).*");

    private final String binaryName;
    private final Path binary;
    private final Path dataDir;
    private final Path logFile;
    private final Duration startTimeout;

    private volatile Process process;
    private volatile boolean paused;
    private boolean closed;
    private boolean startedOnce;
    private long launchLogOffset;

    BackendProcess(String binaryName, Path binary, Duration startTimeout) {
        this.binaryName = binaryName;
        this.binary = binary;
        this.startTimeout = requirePositive(startTimeout, "startTimeout");
        try {
            this.dataDir = Files.createTempDirectory("exstate-" + binaryName + "-");
            this.logFile = dataDir.resolve("server.log");
            Files.createFile(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary data directory for " + binaryName, e);
        }
    }

    // ---- what a concrete backend supplies ----

    /** Command line arguments after the binary. */
    abstract List<String> arguments();

    /** Extra environment for the server process. */
    Map<String, String> environment() {
        return Map.of();
    }

    /** Writes config files and the like just before each launch. */
    void beforeLaunch() throws IOException {}

    /** True if the server answers its readiness check within {@code timeout}; never throws. */
    abstract boolean probeReady(Duration timeout);

    /** Picks fresh ports after a port clash; returns false if this process cannot change its ports. */
    abstract boolean reassignPorts();

    /** The server's address(es) for messages, e.g. {@code 127.0.0.1:6379}. */
    abstract String address();

    // ---- controls ----

    /**
     * Starts the server and waits until it is ready. On the first start a port clash is retried
     * on fresh ports; later starts (see {@link #restart()}) always reuse the same ports. Does
     * nothing if the server is already running.
     *
     * @throws BackendStartException if the server exits early or is not ready within the start timeout
     */
    @Override
    public synchronized T start() {
        ensureOpen();
        if (isRunning()) {
            return self();
        }
        int attempts = startedOnce ? 1 : MAX_PORT_ATTEMPTS;
        for (int attempt = 1; ; attempt++) {
            launch();
            try {
                awaitReady(startTimeout);
                return self();
            } catch (BackendStartException e) {
                if (!e.isPortClash() || attempt >= attempts || !reassignPorts()) {
                    throw e;
                }
                log.info("{} hit a port clash, retrying on fresh ports: {}", binaryName, address());
            }
        }
    }

    /**
     * Stops the server with SIGTERM (resuming it first if paused) and waits for it to exit; after
     * 10 seconds it is killed. The data directory is kept for {@link #restart()}.
     */
    public synchronized void stop() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            paused = false;
            return;
        }
        if (paused) {
            resume();
        }
        p.destroy();
        if (!waitFor(p, STOP_TIMEOUT)) {
            log.warn("{} at {} ignored SIGTERM for {}, killing it", binaryName, address(), STOP_TIMEOUT);
            p.destroyForcibly();
            waitFor(p, STOP_TIMEOUT);
        }
        paused = false;
    }

    /** Kills the server with SIGKILL (like a crash or power loss) and waits until it is gone. */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        // SIGKILL also ends a stopped process, no SIGCONT needed
        p.destroyForcibly();
        waitFor(p, STOP_TIMEOUT);
        paused = false;
    }

    /**
     * Freezes the server with SIGSTOP: its sockets stay open and the kernel still accepts
     * connections, but nothing is answered, like a long GC pause or a hung host.
     *
     * @throws IllegalStateException if the server is not running
     */
    public synchronized void pause() {
        requireRunning("pause");
        if (paused) {
            return;
        }
        signal("STOP");
        awaitStopped(true);
        paused = true;
    }

    /** Lets a paused server continue (SIGCONT). Does nothing if it is not paused. */
    public synchronized void resume() {
        if (!paused) {
            return;
        }
        Process p = process;
        if (p != null && p.isAlive()) {
            signal("CONT");
            awaitStopped(false);
        }
        paused = false;
    }

    /**
     * Stops the server if it runs (SIGTERM) and starts it again on the same ports with the same
     * data directory, waiting until it is ready.
     */
    public synchronized T restart() {
        ensureOpen();
        stop();
        return start();
    }

    /** The loopback address the server listens on: {@code 127.0.0.1}. */
    public String host() {
        return HOST;
    }

    /** True while the process is alive, including while it is paused. */
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public boolean isPaused() {
        return paused && isRunning();
    }

    /** OS process id of the current (or last) server process. */
    public long pid() {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException(binaryName + " at " + address() + " has not been started");
        }
        return p.pid();
    }

    /** The temporary directory holding the server's data and {@link #logFile()}. */
    public Path dataDir() {
        return dataDir;
    }

    /** Everything the server printed, across restarts. */
    public Path logFile() {
        return logFile;
    }

    /** The last {@code lines} lines of the server's log. */
    public String logTail(int lines) {
        return tail(0, lines);
    }

    /** Kills the server if it still runs and deletes its data directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (paused) {
                resume();
            }
        } catch (RuntimeException e) {
            log.debug("resume before close failed for {}", binaryName, e);
        }
        kill();
        TempDirs.deleteRecursively(dataDir);
        ProcessReaper.unregister(this);
    }

    // ---- package-private machinery, also used by the cluster launchers ----

    synchronized void launch() {
        ensureOpen();
        if (isRunning()) {
            throw new IllegalStateException(binaryName + " at " + address() + " is already running (pid "
                    + process.pid() + ")");
        }
        try {
            beforeLaunch();
            List<String> command = new ArrayList<>();
            command.add(binary.toString());
            command.addAll(arguments());
            Files.writeString(logFile, "==== exstate: " + Instant.now() + " starting " + redact(command)
                    + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            launchLogOffset = Files.size(logFile);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(dataDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            pb.environment().putAll(environment());
            ProcessReaper.register(this);
            Process p = pb.start();
            // a pipe we close at once: the server must not share the test JVM's stdin
            p.getOutputStream().close();
            process = p;
            paused = false;
            log.debug("started {} at {} (pid {})", binaryName, address(), p.pid());
        } catch (IOException e) {
            throw new BackendStartException("cannot launch " + binary + " for " + address() + ": " + e.getMessage(), e);
        }
    }

    /** Polls the readiness check; on failure kills the process and throws with the log tail. */
    synchronized void awaitReady(Duration timeout) {
        Process p = process;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!p.isAlive()) {
                String tail = tail(launchLogOffset, LOG_TAIL_LINES);
                boolean clash = tail.toLowerCase(Locale.ROOT).contains("address already in use");
                throw new BackendStartException(binaryName + " at " + address() + " exited with code "
                        + p.exitValue() + " before it was ready." + describeLog(tail), null, clash);
            }
            long remaining = deadline - System.nanoTime();
            Duration probe = Duration.ofNanos(Math.max(Duration.ofMillis(50).toNanos(),
                    Math.min(remaining, Duration.ofMillis(500).toNanos())));
            if (probeReady(probe)) {
                startedOnce = true;
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                p.destroyForcibly();
                waitFor(p, STOP_TIMEOUT);
                throw new BackendStartException(binaryName + " at " + address() + " was not ready within "
                        + timeout + " (process " + p.pid() + " killed)."
                        + describeLog(tail(launchLogOffset, LOG_TAIL_LINES)));
            }
            sleepMillis(POLL_MILLIS);
        }
    }

    Duration startTimeout() {
        return startTimeout;
    }

    /** Called by the shutdown hook; must not block on this object's monitor. */
    void reapOnShutdown() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        TempDirs.deleteRecursively(dataDir);
    }

    synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(binaryName + " at " + address() + " is closed");
        }
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static Duration requirePositive(Duration d, String what) {
        return Check.valid(d, d != null && !d.isNegative() && !d.isZero(), () -> what + " must be positive: " + d);
    }

    // ---- internals ----

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    private void requireRunning(String operation) {
        ensureOpen();
        if (!isRunning()) {
            throw new IllegalStateException("cannot " + operation + " " + binaryName + " at " + address()
                    + ": it is not running");
        }
    }

    private void signal(String signal) {
        long pid = process.pid();
        // there is no Java API for SIGSTOP/SIGCONT; the shell builtin needs no extra package
        Commands.run(List.of("sh", "-c", "kill -" + signal + " " + pid), Map.of(), Duration.ofSeconds(5))
                .requireSuccess();
    }

    /** Waits until /proc shows the process stopped (state T) or running again; signals are asynchronous. */
    private void awaitStopped(boolean stopped) {
        Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
        if (!Files.exists(stat)) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() - deadline < 0) {
            try {
                String s = Files.readString(stat);
                // format: pid (comm) state ...; comm may contain spaces, so look after the last ')'
                String[] fields = s.substring(s.lastIndexOf(')') + 2).split(" ");
                boolean isStopped = fields[0].equals("T") || fields[0].equals("t");
                if (isStopped == stopped) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                return;
            }
            sleepMillis(5);
        }
    }

    private String tail(long fromOffset, int lines) {
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long start = Math.max(fromOffset, f.length() - 64 * 1024);
            byte[] bytes = new byte[(int) Math.max(0, f.length() - start)];
            f.seek(start);
            f.readFully(bytes);
            List<String> all = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R"));
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    private String describeLog(String tail) {
        if (tail.isBlank()) {
            return " It printed nothing (log: " + logFile + ").";
        }
        return " Last lines of " + logFile + ":" + System.lineSeparator() + tail;
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static String redact(List<String> command) {
        StringBuilder sb = new StringBuilder();
        boolean hideNext = false;
        for (String arg : command) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            if (hideNext) {
                sb.append("****");
                hideNext = false;
                continue;
            }
            int eq = arg.indexOf('=');
            if (arg.startsWith("-") && SECRET_FLAG.matcher(eq < 0 ? arg : arg.substring(0, eq)).matches()) {
                // --requirepass secret or --password=secret
                if (eq < 0) {
                    sb.append(arg);
                    hideNext = true;
                } else {
                    sb.append(arg, 0, eq + 1).append("****");
                }
                continue;
            }
            sb.append(arg);
        }
        return sb.toString();
    }
}
