package dev.exstate.testkit.churn;

import dev.exstate.internal.Check;
import dev.exstate.testkit.internal.TempDirs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Proves that a leased scheduler runs each tick at most once while its replicas are killed,
 * stopped and replaced: 3 to 4 replica <em>processes</em> (separate JVMs, each running a
 * {@link ChurnReplica} main) run one fixed-rate job against a real backend; every few seconds one
 * replica gets SIGKILL (and a fresh one is started), SIGTERM (likewise) or SIGSTOP for longer than
 * the lease TTL and then SIGCONT; this goes on until the job has run the target number of ticks.
 * {@link #run()} then reads what the replicas wrote and returns the figures as a
 * {@link ChurnReport}; asserting on them is the caller's part.
 *
 * <p>Half the signals go to the replica that has just written a line (so it is likely in the
 * middle of a run, holding the lease), the others to a random replica. Replicas are launched as
 * {@code <java.home>/bin/java -cp <this JVM's class path> <replicaMain> <settings>} with a small
 * heap; each one's output goes to its own log file, whose tail the report keeps. Every process
 * started here is ended before {@link #run()} returns, whatever happens; the working directory is
 * deleted too. Not thread-safe: one {@link #run()} at a time.
 */
public final class SchedulerChurn {
    /** What happens to a replica at an event. */
    public enum Signal {
        /** SIGKILL, then a fresh replica is started. */
        KILL,
        /** SIGTERM (graceful shutdown: the lease is released), then a fresh replica is started. */
        TERM,
        /** SIGSTOP for longer than the lease TTL, then SIGCONT; the replica lives on. */
        STOP
    }

    private static final Duration FRESH_LINE_WAIT = Duration.ofSeconds(1);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(15);
    private static final Duration FIRST_LINE_WAIT = Duration.ofSeconds(90);

    private final Builder b;
    private final Random random;
    private final List<Replica> replicas = new ArrayList<>();
    private final List<ChurnReport.Event> events = new ArrayList<>();
    private final StringBuilder logTails = new StringBuilder();
    private int started;
    private Path dir;
    private Path file;

    private SchedulerChurn(Builder b) {
        this.b = b;
        this.random = new Random(b.seed);
    }

    /** @param replicaMain a class with {@code main(String[])} that calls {@link ChurnReplica#run} */
    public static Builder builder(Class<?> replicaMain, String endpoint) {
        return new Builder(replicaMain, endpoint);
    }

    /**
     * Starts the replicas, drives the signals until the target tick count or the time limit, ends
     * every replica and returns the figures.
     *
     * @throws IllegalStateException if a replica exits on its own or no tick is written within 90 s
     *                               (a broken setup, not a verdict)
     */
    public ChurnReport run() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("exstate-churn-");
        file = dir.resolve("ticks.log");
        Files.createFile(file);
        long startedAt = System.nanoTime();
        try {
            for (int i = 0; i < b.maxReplicas; i++) {
                start();
            }
            awaitFirstLine();
            long deadline = System.nanoTime() + b.timeLimit.toNanos();
            List<Signal> rotation = new ArrayList<>();
            int index = 0;
            while (distinctTicks() < b.targetTicks && System.nanoTime() - deadline < 0) {
                if (!idle(randomBetween(b.minEventGap, b.maxEventGap), deadline, true)) {
                    break;
                }
                if (rotation.isEmpty()) {
                    rotation.addAll(List.of(Signal.values()));
                    Collections.shuffle(rotation, random);
                }
                boolean aimed = index++ % 2 == 0;
                strike(rotation.remove(0), aimed);
            }
            // long enough for the last event's failover to show in the file
            idle(b.leaseTtl.plus(b.renewEvery()).plus(b.period).plusSeconds(1), Long.MAX_VALUE, false);
        } finally {
            stopAll();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startedAt);
        // a holder's lease ends at most one TTL after its last renewal, and the next tick runs elsewhere; a
        // terminated holder finishes its run and releases well within a second
        ChurnReport.Promise promise = new ChurnReport.Promise(b.targetTicks, b.leaseTtl.plus(b.renewEvery()).plus(b.period),
                Duration.ofSeconds(1).plus(b.period));
        ChurnReport report = ChurnReport.analyse(lines, events, b.work, started, elapsed, b.seed, logTails.toString(), promise);
        TempDirs.deleteRecursively(dir);
        return report;
    }

    private void strike(Signal signal, boolean aimed) throws IOException, InterruptedException {
        Replica victim = aimed ? freshWriter() : null;
        if (victim == null) {
            victim = randomRunning();
        }
        long at = System.nanoTime();
        switch (signal) {
            case KILL -> {
                victim.process.destroyForcibly();
                victim.awaitExit();
                replicas.remove(victim);
                start();
            }
            case TERM -> {
                victim.process.destroy();
                if (!victim.awaitExit()) {
                    victim.process.destroyForcibly();
                    victim.awaitExit();
                }
                replicas.remove(victim);
                start();
            }
            case STOP -> {
                signal(victim, "STOP");
                Thread.sleep(b.leaseTtl.plus(randomBetween(Duration.ofMillis(500), Duration.ofMillis(1500))).toMillis());
                signal(victim, "CONT");
            }
        }
        events.add(new ChurnReport.Event(signal, victim.pid, at, aimed));
    }

    /** Waits until some replica writes a new line, and returns that replica (likely mid-run, holding the lease). */
    private Replica freshWriter() throws IOException, InterruptedException {
        long size = Files.size(file);
        long until = System.nanoTime() + FRESH_LINE_WAIT.toNanos();
        while (System.nanoTime() - until < 0) {
            if (Files.size(file) > size) {
                String last = lastLine();
                if (last != null) {
                    long pid = Long.parseLong(last.split(" ")[2]);
                    for (Replica r : replicas) {
                        if (r.pid == pid && r.process.isAlive()) {
                            return r;
                        }
                    }
                }
                return null;
            }
            Thread.sleep(2);
        }
        return null;
    }

    private Replica randomRunning() {
        return replicas.get(random.nextInt(replicas.size()));
    }

    /**
     * Sleeps for {@code d} while watching that no replica exits on its own; with {@code untilTarget}
     * returns false early once the target is reached or the deadline passed.
     */
    private boolean idle(Duration d, long deadline, boolean untilTarget) throws IOException, InterruptedException {
        long until = System.nanoTime() + d.toNanos();
        while (System.nanoTime() - until < 0) {
            checkReplicasAlive();
            if (untilTarget && (distinctTicks() >= b.targetTicks || System.nanoTime() - deadline >= 0)) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private void start() throws IOException {
        int n = ++started;
        Path log = dir.resolve("replica-" + n + ".log");
        ChurnReplica.Settings settings = new ChurnReplica.Settings(b.endpoint, b.app, file, b.leaseTtl, b.renewEvery(),
                b.period, b.work);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // small and quick to start: up to five JVMs share a small machine with the backend
        command.addAll(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(b.replicaMain.getName());
        command.addAll(settings.toArgs());
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        // stdin stays open: a replica exits when it closes, so none outlives this JVM
        replicas.add(new Replica(n, p, log));
    }

    private void awaitFirstLine() throws IOException, InterruptedException {
        long until = System.nanoTime() + FIRST_LINE_WAIT.toNanos();
        while (Files.size(file) == 0) {
            checkReplicasAlive();
            if (System.nanoTime() - until >= 0) {
                throw new IllegalStateException("no replica ran a tick within " + FIRST_LINE_WAIT + "; replica logs:"
                        + System.lineSeparator() + tails(replicas));
            }
            Thread.sleep(50);
        }
    }

    private void checkReplicasAlive() {
        for (Replica r : replicas) {
            if (!r.process.isAlive()) {
                throw new IllegalStateException("replica " + r.index + " (pid " + r.pid + ") exited on its own with code "
                        + r.process.exitValue() + "; its log:" + System.lineSeparator() + r.tail(40));
            }
        }
    }

    private void stopAll() {
        for (Replica r : replicas) {
            if (r.process.isAlive()) {
                try {
                    signal(r, "CONT");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException | IOException e) {
                    // it may be gone already; SIGTERM/SIGKILL below end it either way
                }
                r.closeStdin(); // the replica's cue to shut down gracefully
                r.process.destroy();
            }
        }
        for (Replica r : replicas) {
            try {
                if (!r.awaitExit()) {
                    r.process.destroyForcibly();
                    r.awaitExit();
                }
            } catch (InterruptedException e) {
                r.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        logTails.append(tails(replicas));
        replicas.clear();
    }

    private String tails(List<Replica> which) {
        StringBuilder sb = new StringBuilder();
        for (Replica r : which) {
            sb.append("--- replica ").append(r.index).append(" (pid ").append(r.pid).append(")")
                    .append(System.lineSeparator()).append(r.tail(15)).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private long distinctTicks() throws IOException {
        Set<String> ticks = new HashSet<>();
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            int space = line.indexOf(' ');
            if (space > 0) {
                ticks.add(line.substring(0, space));
            }
        }
        return ticks.size();
    }

    private String lastLine() throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        return lines.isEmpty() ? null : lines.get(lines.size() - 1);
    }

    private Duration randomBetween(Duration min, Duration max) {
        long span = max.toMillis() - min.toMillis();
        return min.plusMillis(span <= 0 ? 0 : (long) (random.nextDouble() * span));
    }

    private static void signal(Replica r, String name) throws IOException, InterruptedException {
        // no Java API sends SIGSTOP/SIGCONT; the shell's kill needs no extra package
        Process kill = new ProcessBuilder("sh", "-c", "kill -" + name + " " + r.pid).redirectErrorStream(true).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS)) {
            kill.destroyForcibly();
            throw new IllegalStateException("kill -" + name + " " + r.pid + " did not return within 5 s");
        }
    }

    private static final class Replica {
        final int index;
        final Process process;
        final long pid;
        final Path log;

        Replica(int index, Process process, Path log) {
            this.index = index;
            this.process = process;
            this.pid = process.pid();
            this.log = log;
        }

        /** True if the process is gone within the exit wait; its stdin pipe is closed then. */
        boolean awaitExit() throws InterruptedException {
            boolean gone = process.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (gone) {
                closeStdin();
            }
            return gone;
        }

        String tail(int lines) {
            try {
                List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException | UncheckedIOException e) {
                return "(cannot read " + log + ": " + e + ")";
            }
        }

        void closeStdin() {
            try (OutputStream in = process.getOutputStream()) {
                in.flush();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /**
     * Settings of a {@link SchedulerChurn}. Defaults: 4 replicas, 100 ms period, 1 s lease TTL
     * renewed every TTL/3, 40 ms of work per run (holding the lease), an event every 2 to 5 s,
     * 1,000 ticks, at most 4 minutes, a random seed (reported, so a run can be repeated).
     */
    public static final class Builder {
        private final Class<?> replicaMain;
        private final String endpoint;
        private String app = "churn-" + Long.toHexString(System.nanoTime());
        private int maxReplicas = 4;
        private Duration period = Duration.ofMillis(100);
        private Duration leaseTtl = Duration.ofSeconds(1);
        private Duration renewEvery;
        private Duration work = Duration.ofMillis(40);
        private Duration minEventGap = Duration.ofSeconds(2);
        private Duration maxEventGap = Duration.ofSeconds(5);
        private int targetTicks = 1000;
        private Duration timeLimit = Duration.ofMinutes(4);
        private long seed = new Random().nextLong();

        private Builder(Class<?> replicaMain, String endpoint) {
            this.replicaMain = Objects.requireNonNull(replicaMain, "replicaMain");
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        }

        /** App name (key namespace) the replicas share; default a fresh one. */
        public Builder app(String v) {
            this.app = Objects.requireNonNull(v, "app");
            return this;
        }

        /** Replicas kept running: between 3 and 8 (default 4); a stopped one still counts. */
        public Builder replicas(int v) {
            this.maxReplicas = Check.valid(v, v >= 3 && v <= 8, () -> "replicas must be between 3 and 8, was " + v);
            return this;
        }

        public Builder period(Duration v) {
            this.period = positive(v, "period");
            return this;
        }

        /** The scheduler's lease TTL in every replica; a SIGSTOP lasts this plus 0.5 to 1.5 s. */
        public Builder leaseTtl(Duration v) {
            this.leaseTtl = positive(v, "leaseTtl");
            return this;
        }

        /** The scheduler's renewal period in every replica (default TTL/3). */
        public Builder renewEvery(Duration v) {
            this.renewEvery = positive(v, "renewEvery");
            return this;
        }

        /** How long each run keeps the lease after writing its line. */
        public Builder work(Duration v) {
            this.work = Objects.requireNonNull(v, "work");
            return this;
        }

        public Builder eventEvery(Duration min, Duration max) {
            positive(min, "min event gap");
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("max event gap " + max + " is below min " + min);
            }
            this.minEventGap = min;
            this.maxEventGap = max;
            return this;
        }

        /** Distinct ticks the job must have run before the churn stops. */
        public Builder targetTicks(int v) {
            this.targetTicks = Check.valid(v, v >= 1, () -> "targetTicks must be positive, was " + v);
            return this;
        }

        /** The churn stops here even if the target was not reached (the report says so). */
        public Builder timeLimit(Duration v) {
            this.timeLimit = positive(v, "timeLimit");
            return this;
        }

        public Builder seed(long v) {
            this.seed = v;
            return this;
        }

        public SchedulerChurn build() {
            return new SchedulerChurn(this);
        }

        Duration renewEvery() {
            return renewEvery != null ? renewEvery : leaseTtl.dividedBy(3);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            return Check.valid(d, !d.isNegative() && !d.isZero(), () -> what + " must be positive, was " + d);
        }
    }
}
