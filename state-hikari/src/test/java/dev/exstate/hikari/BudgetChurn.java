package dev.exstate.hikari;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.h2.tools.Server;

/**
 * Replica processes ({@link BudgetReplica}) sharing one {@link dev.exstate.budget.ConnectionBudget}
 * of {@value #BUDGET} connections while they join, leave gracefully (SIGTERM), crash (SIGKILL)
 * and freeze (SIGSTOP longer than the permit TTL), each under load on a real H2 TCP server.
 *
 * <p>Two measures of "never more than the budget": the replicas' own reports (a size listener
 * line before each grow and after each drained shrink, and a heartbeat every 5 ms with the time its
 * pool size stays covered by permits), summed at every reported event and every 10 ms; and the
 * sessions H2 itself counts, sampled every 10 ms. A frozen process keeps its sockets, so H2's count
 * is judged outside the freeze and the kills, and reported inside them. The freeze lasts from
 * SIGSTOP until 2 s after the frozen replica reports its pool drained after SIGCONT (on a loaded
 * machine a resumed JVM may need seconds to run its budget thread; until then its old sockets stay
 * open). A kill lasts from SIGKILL until 2 s after the process is reaped: the kernel closes a
 * killed process's sockets only as it tears the process down, which took up to 3.6 s under
 * {@code stress-ng}, while its permits expire after the TTL (2 s) and pass to others.
 */
final class BudgetChurn {
    static final int BUDGET = 10;
    static final int WORKERS = 6;
    static final int MAX_REPLICAS = 8;
    static final Duration TTL = Duration.ofSeconds(2);
    static final Duration POLL = Duration.ofMillis(100);
    static final Duration PAUSE = Duration.ofMillis(2500);
    static final Duration FREEZE = TTL.plusMillis(1500);
    /** Generous bounds for a busy machine; the measured times are reported. */
    static final Duration SHARE_PATIENCE = Duration.ofSeconds(60);
    static final Duration MAX_TIME_TO_SHARE = Duration.ofSeconds(15);

    private final String backend;
    private final String endpoint;
    private final Path dir;
    private final String app = "budget-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private final List<Replica> replicas = new ArrayList<>();
    private final ConcurrentLinkedQueue<long[]> sessions = new ConcurrentLinkedQueue<>();
    /** {@code {SIGSTOP time, SIGCONT time, index in replicas}}; windows are made from them in {@link #analyse}. */
    private final List<long[]> freezes = new ArrayList<>();
    /** {@code {from, to}}: freezes and kills, when a process holds sockets its permits no longer cover. */
    private final List<long[]> excluded = new ArrayList<>();
    private String jdbcUrl;

    BudgetChurn(String backend, String endpoint) throws IOException {
        this.backend = backend;
        this.endpoint = endpoint;
        this.dir = Files.createDirectories(Path.of("target", "budget-churn", backend + "-" + System.currentTimeMillis()));
    }

    private static final class Replica {
        final int index;
        final Process process;
        final Path out;
        long diedAt = Long.MAX_VALUE;

        Replica(int index, Process process, Path out) {
            this.index = index;
            this.process = process;
            this.out = out;
        }
    }

    /** Runs the script and returns what was measured; the caller asserts. */
    Report run() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Server h2 = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists").start();
        jdbcUrl = "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:budget;DB_CLOSE_DELAY=-1";
        Thread sampler = null;
        try (Connection admin = DriverManager.getConnection(jdbcUrl, "sa", "")) {
            sampler = new Thread(() -> sample(admin), "h2-sessions");
            sampler.setDaemon(true);
            sampler.start();
            script();
        } finally {
            stopAll();
            if (sampler != null) {
                sampler.interrupt();
                sampler.join(5000);
            }
            h2.stop();
        }
        return analyse();
    }

    private void script() throws Exception {
        start();
        start();
        start();
        pause();
        start();                        // 4 replicas
        pause();
        start();                        // 5
        pause();
        terminate(replicas.get(0));     // graceful leave
        pause();
        kill(replicas.get(1));          // crash
        pause();
        start();                        // a cold JVM joins
        pause();
        freeze(replicas.get(2));        // SIGSTOP longer than the TTL
        pause();
        start();
        pause();
        terminate(replicas.get(3));
        kill(replicas.get(4));
        start();
        pause();
        awaitShares();
    }

    /** Until every replica still running has had a share once (a cold JVM on a busy machine starts slowly). */
    private void awaitShares() throws IOException, InterruptedException {
        long until = System.nanoTime() + SHARE_PATIENCE.toNanos();
        for (Replica r : replicas) {
            while (r.process.isAlive() && !hadShare(r)) {
                if (System.nanoTime() - until > 0) {
                    throw new IllegalStateException("replica " + r.index + " had no share " + SHARE_PATIENCE.toSeconds()
                            + " s after the last step; its output is in " + dir);
                }
                Thread.sleep(50);
            }
        }
    }

    private static boolean hadShare(Replica r) throws IOException {
        return Files.readAllLines(r.out, StandardCharsets.US_ASCII).stream()
                .anyMatch(line -> line.startsWith("SIZE ") && !line.endsWith(" 0"));
    }

    private void sample(Connection admin) {
        try (Statement st = admin.createStatement()) {
            while (!Thread.currentThread().isInterrupted()) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS")) {
                    rs.next();
                    // not counting this sampler's own session
                    sessions.add(new long[] {System.nanoTime(), rs.getLong(1) - 1});
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
        } catch (SQLException | InterruptedException e) {
            // stopped
        }
    }

    private void start() throws IOException {
        int n = replicas.size() + 1;
        Path out = dir.resolve("replica-" + n + ".out");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-cp", System.getProperty("java.class.path"), BudgetReplica.class.getName(),
                backend, endpoint, app, jdbcUrl, Integer.toString(BUDGET), Long.toString(TTL.toMillis()),
                Long.toString(POLL.toMillis()), Integer.toString(MAX_REPLICAS), Integer.toString(WORKERS)));
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(dir.resolve("replica-" + n + ".err").toFile())
                .start();
        replicas.add(new Replica(n, p, out));
    }

    private static void pause() throws InterruptedException {
        Thread.sleep(PAUSE.toMillis());
    }

    private void terminate(Replica r) throws InterruptedException {
        r.process.destroy();
        if (!r.process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("replica " + r.index + " did not end within 30 s of SIGTERM");
        }
        r.diedAt = System.nanoTime();
    }

    private void kill(Replica r) throws InterruptedException {
        long sent = System.nanoTime();
        r.process.destroyForcibly();
        r.process.waitFor(30, TimeUnit.SECONDS);
        r.diedAt = System.nanoTime();
        excluded.add(new long[] {sent, r.diedAt + TimeUnit.SECONDS.toNanos(2)});
    }

    private void freeze(Replica r) throws IOException, InterruptedException {
        long from = System.nanoTime();
        signal(r, "STOP");
        Thread.sleep(FREEZE.toMillis());
        signal(r, "CONT");
        freezes.add(new long[] {from, System.nanoTime(), replicas.indexOf(r)});
    }

    private static void signal(Replica r, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(r.process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + r.process.pid() + " failed");
        }
    }

    private void stopAll() throws InterruptedException {
        for (Replica r : replicas) {
            if (r.process.isAlive()) {
                r.process.destroy();
            }
        }
        for (Replica r : replicas) {
            if (!r.process.waitFor(30, TimeUnit.SECONDS)) {
                r.process.destroyForcibly();
            }
        }
    }

    /** One replica's reports, in time order. */
    private static final class Reports {
        final long diedAt;
        long joined = -1;
        long firstShare = -1;
        /** {@code {t, size, validUntil}}: validUntil is MAX for a size-listener line. */
        final List<long[]> steps = new ArrayList<>();
        long[] times;
        /** {@code {t, size}} from the size listener only: the pool's configured maximum. */
        final List<long[]> sizes = new ArrayList<>();
        long[] sizeTimes;
        String left;

        Reports(long diedAt) {
            this.diedAt = diedAt;
        }

        void seal() {
            steps.sort((a, b) -> Long.compare(a[0], b[0]));
            times = steps.stream().mapToLong(s -> s[0]).toArray();
            sizes.sort((a, b) -> Long.compare(a[0], b[0]));
            sizeTimes = sizes.stream().mapToLong(s -> s[0]).toArray();
        }

        /** Index of the last of the sorted {@code times} at or before {@code t}; -1 if none. */
        private static int lastAtOrBefore(long[] times, long t) {
            int i = Arrays.binarySearch(times, t);
            return i >= 0 ? i : -i - 2;
        }

        /** The pool's configured maximum at {@code t}, whether or not permits still cover it. */
        long maximum(long t) {
            if (t >= diedAt) {
                return 0;
            }
            int i = lastAtOrBefore(sizeTimes, t);
            return i < 0 ? 0 : sizes.get(i)[1];
        }

        /** The most connections this replica's pool may hold at {@code t}, by its own reports. */
        long claim(long t) {
            if (t >= diedAt) {
                return 0;
            }
            int i = lastAtOrBefore(times, t);
            if (i < 0) {
                return 0;
            }
            long[] s = steps.get(i);
            return t < s[2] ? s[1] : 0;
        }
    }

    private Report analyse() throws IOException {
        List<Reports> all = new ArrayList<>();
        List<Long> events = new ArrayList<>();
        StringBuilder lefts = new StringBuilder();
        for (Replica r : replicas) {
            Reports rep = new Reports(r.diedAt);
            for (String line : Files.readAllLines(r.out, StandardCharsets.US_ASCII)) {
                String[] f = line.split(" ");
                try {
                    switch (f[0]) {
                        case "JOINED" -> rep.joined = Long.parseLong(f[1]);
                        case "SIZE" -> {
                            long t = Long.parseLong(f[1]);
                            long n = Long.parseLong(f[2]);
                            rep.steps.add(new long[] {t, n, Long.MAX_VALUE});
                            rep.sizes.add(new long[] {t, n});
                            if (n > 0 && rep.firstShare < 0) {
                                rep.firstShare = t;
                            }
                        }
                        case "HB" -> {
                            long t = Long.parseLong(f[1]);
                            rep.steps.add(new long[] {t, Long.parseLong(f[2]), t + Long.parseLong(f[3])});
                        }
                        case "LEFT" -> lefts.append(" replica ").append(r.index).append(": ").append(line.substring(line.indexOf(' ', 5) + 1));
                        default -> {
                        }
                    }
                } catch (RuntimeException e) {
                    // a line cut by SIGKILL
                }
            }
            rep.seal();
            for (long[] s : rep.steps) {
                events.add(s[0]);
            }
            all.add(rep);
        }
        for (long[] f : freezes) {
            // ends 2 s after the resumed replica's first report, a drained shrink (or SIGCONT if it reports none)
            long resumed = f[1];
            for (long[] size : all.get((int) f[2]).sizes) {
                if (size[0] >= f[1]) {
                    resumed = size[0];
                    break;
                }
            }
            excluded.add(new long[] {f[0], resumed + TimeUnit.SECONDS.toNanos(2)});
        }
        long first = events.stream().mapToLong(Long::longValue).min().orElse(0);
        long last = events.stream().mapToLong(Long::longValue).max().orElse(0);
        for (long t = first; t <= last; t += TimeUnit.MILLISECONDS.toNanos(10)) {
            events.add(t);
        }
        long maxSum = 0;
        long maxConfigured = 0;
        long worst = first;
        long points = 0;
        for (long t : events) {
            long sum = 0;
            long configured = 0;
            for (Reports rep : all) {
                sum += rep.claim(t);
                configured += rep.maximum(t);
            }
            maxSum = Math.max(maxSum, sum);
            if (!excluded(t) && configured > maxConfigured) {
                maxConfigured = configured;
                worst = t;
            }
            points++;
        }
        long maxSessions = 0;
        long maxSessionsFrozen = 0;
        long sessionSamples = 0;
        for (long[] s : sessions) {
            if (excluded(s[0])) {
                maxSessionsFrozen = Math.max(maxSessionsFrozen, s[1]);
            } else {
                maxSessions = Math.max(maxSessions, s[1]);
            }
            sessionSamples++;
        }
        List<Long> toShare = new ArrayList<>();
        int noShare = 0;
        int leftBeforeShare = 0;
        for (Reports rep : all) {
            if (rep.joined < 0) {
                continue;
            }
            if (rep.firstShare < 0) {
                // a replica stopped sooner after joining than a share is promised cannot be judged
                if (Math.min(rep.diedAt, last) - rep.joined < MAX_TIME_TO_SHARE.toNanos()) {
                    leftBeforeShare++;
                } else {
                    noShare++;
                }
            } else {
                toShare.add(TimeUnit.NANOSECONDS.toMillis(rep.firstShare - rep.joined));
            }
        }
        toShare.sort(null);
        // where the configured maxima peaked outside the freeze and kills, for a failure's message
        StringBuilder where = new StringBuilder(" configured maxima peaked at +"
                + TimeUnit.NANOSECONDS.toMillis(worst - first) + " ms:");
        for (int i = 0; i < all.size(); i++) {
            Reports rep = all.get(i);
            where.append(" r").append(i + 1).append('=').append(rep.maximum(worst)).append('/').append(rep.claim(worst));
            if (rep.diedAt != Long.MAX_VALUE) {
                where.append("(died +").append(TimeUnit.NANOSECONDS.toMillis(rep.diedAt - first)).append(')');
            }
        }
        for (long[] w : excluded) {
            where.append("; excluded +").append(TimeUnit.NANOSECONDS.toMillis(w[0] - first)).append("..+")
                    .append(TimeUnit.NANOSECONDS.toMillis(w[1] - first)).append(" ms");
        }
        lefts.append(where);
        return new Report(backend, maxSum, maxConfigured, points, maxSessions, maxSessionsFrozen, sessionSamples, toShare, noShare,
                leftBeforeShare, replicas.size(), lefts.toString(), dir);
    }

    private boolean excluded(long t) {
        return excluded.stream().anyMatch(w -> t >= w[0] && t <= w[1]);
    }

    record Report(String backend, long maxSumOfMaxima, long maxSumOfConfigured, long points, long maxSessions, long maxSessionsWhileFrozen,
                  long sessionSamples, List<Long> timeToShareMillis, int replicasWithoutShare, int leftBeforeShare, int replicas,
                  String load, Path dir) {

        void assertHolds() {
            assertThat(points).as("report points").isGreaterThan(1000);
            assertThat(sessionSamples).as("H2 session samples").isGreaterThan(500);
            assertThat(maxSumOfMaxima).as("sum of pool maxima covered by permits, by the replicas' reports").isBetween(1L, (long) BUDGET);
            assertThat(maxSumOfConfigured).as("sum of configured pool maxima outside the freeze and kills").isBetween(1L, (long) BUDGET);
            assertThat(maxSessions).as("open H2 sessions outside the freeze and kills").isBetween(1L, (long) BUDGET);
            assertThat(replicasWithoutShare).as("replicas that never got a share (logs in %s)", dir).isZero();
            assertThat(timeToShareMillis).as("time from joining to a share, on each replica's clock (ms)")
                    .hasSize(replicas - leftBeforeShare)
                    .allMatch(ms -> ms <= MAX_TIME_TO_SHARE.toMillis());
        }

        @Override
        public String toString() {
            return backend + ": budget " + BUDGET + ", " + replicas + " replicas; max sum of pool maxima covered by permits "
                    + maxSumOfMaxima + " over " + points + " points, of configured maxima " + maxSumOfConfigured
                    + " outside the freeze and kills; max open H2 sessions " + maxSessions + " outside them, "
                    + maxSessionsWhileFrozen + " during them (" + sessionSamples + " samples); time to share (ms) "
                    + timeToShareMillis + " (" + timeToShareMillis.stream().filter(ms -> ms <= 1000).count()
                    + " within 1 s; " + leftBeforeShare + " stopped before a share, less than "
                    + MAX_TIME_TO_SHARE.toSeconds() + " s after joining);" + load;
        }
    }
}
