package dev.exstate.examples.footprint;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.examples.DemoOptions;
import dev.exstate.examples.ShopServer;
import dev.exstate.examples.k8s.K8sManifests;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.FreePorts;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.s3.S3ProxyServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Measures what one shop replica needs: it starts {@code redis-server}, {@code etcd} (testkit
 * launchers) and s3proxy (in this JVM), launches ONE {@link ShopServer} replica as a process of its
 * own ({@link FootprintReplica}: same class path, with the JVM flags and the memory and CPU limits
 * of the shop Deployment in {@code examples/k8s}, so the JVM sizes itself as it would in the pod),
 * drives it open-loop at each phase's request rate with a realistic mix, and samples every 100 ms:
 * RSS, its peak and OS threads ({@code /proc/<pid>/status}, the peak reset per phase through
 * {@code clear_refs}), established TCP connections to each backend (the replica's socket inodes
 * matched in {@code /proc/<pid>/net/tcp}), CPU time; and from inside the replica heap used and
 * committed, live threads and every GC pause. It reports the PEAK of each figure per phase, then
 * SIGTERMs the replica and times its shutdown.
 *
 * <p>Lives in the test sources because s3proxy is a test dependency of {@code examples}.
 * Run it (see {@code examples/k8s/README.md}) as
 * {@code java -cp <examples test class path> dev.exstate.examples.footprint.Footprint [--phase-seconds 60]
 * [--warmup-seconds 20] [--out FILE]}; {@code FootprintIT} runs it for a few seconds.
 */
public final class Footprint {
    /** The request mix, in percent: cart read, cart add, flag read, upload, download. */
    static final int[] MIX = {35, 20, 25, 10, 10};
    static final String[] MIX_NAMES = {"GET /cart", "POST /cart/items", "GET /flags", "POST /files", "GET /files/{key}"};
    private static final int USERS = 500;
    private static final int ADDS_PER_SESSION = 20;
    private static final int MAX_IN_FLIGHT = 2000;
    private static final String APP = "shop";

    /** One phase: a name, a request rate (0: idle) and how long. */
    public record Phase(String name, int rate, Duration length, boolean reported) {
    }

    /** What the harness does; {@link #standard} is the published run. */
    public record Settings(List<Phase> phases, Path manifests, long seed) {
        public static Settings standard(Duration warmup, Duration phase, Path manifests) {
            return new Settings(List.of(
                    new Phase("warm-up 100 req/s", 100, warmup, false),
                    new Phase("idle", 0, phase, true),
                    new Phase("50 req/s", 50, phase, true),
                    new Phase("200 req/s", 200, phase, true)), manifests, 42);
        }
    }

    private final Settings settings;
    private final PrintStream log;
    private final Random random;

    private Footprint(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
        this.random = new Random(settings.seed());
    }

    public static void main(String[] args) throws Exception {
        Duration phase = Duration.ofSeconds(60);
        Duration warmup = Duration.ofSeconds(20);
        Path out = null;
        Path manifests = K8sManifests.defaultDir();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--phase-seconds" -> phase = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--warmup-seconds" -> warmup = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--out" -> out = Path.of(args[++i]);
                case "--manifests" -> manifests = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --phase-seconds N --warmup-seconds N --out FILE --manifests DIR");
            }
        }
        FootprintReport report = run(Settings.standard(warmup, phase, manifests), System.out);
        String text = report.render();
        System.out.println(text);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, text, StandardCharsets.UTF_8);
            System.out.println("written to " + out);
        }
    }

    /** Runs every phase of {@code settings} and returns the figures; progress goes to {@code log}. */
    public static FootprintReport run(Settings settings, PrintStream log) throws Exception {
        return new Footprint(settings, log).run();
    }

    private FootprintReport run() throws Exception {
        K8sManifests manifests = K8sManifests.load(settings.manifests());
        Map<String, Object> container = K8sManifests.container(manifests.shopDeployment(), "shop");
        Map<String, Object> limits = K8sManifests.map(K8sManifests.map(container, "resources"), "limits");
        long memoryLimit = K8sManifests.bytes(limits.get("memory"));
        long cpuLimit = K8sManifests.millicores(limits.get("cpu"));
        String javaOptions = K8sManifests.env(container, "JAVA_TOOL_OPTIONS").orElse("");
        List<String> jvm = new ArrayList<>();
        // outside a container the JVM would size itself from the whole machine: make it see the pod's limits
        jvm.add("-XX:MaxRAM=" + memoryLimit);
        jvm.add("-XX:ActiveProcessorCount=" + Math.max(1, (cpuLimit + 999) / 1000));
        jvm.addAll(Arrays.stream(javaOptions.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        Conditions before = Conditions.now();
        log.println("footprint: " + before.render() + "; replica JVM flags " + String.join(" ", jvm));

        Path dir = Files.createTempDirectory("exstate-footprint-");
        try (RedisServer redis = RedisServer.builder().start();
             EtcdServer etcd = EtcdServer.builder().start();
             S3ProxyServer s3 = S3ProxyServer.startTransient()) {
            String bucket = "shop-files";
            s3.createBucket(bucket);
            try (EtcdState admin = EtcdState.connect(EtcdOptions.builder(etcd.endpoint()).build())) {
                admin.admin(APP).putAll(Map.of("shop.discount", "true", "shop.discount-percent", "10"));
            }
            int port = FreePorts.next();
            Path samples = dir.resolve("samples.txt");
            Path replicaLog = dir.resolve("replica.log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvm);
            command.add("-D" + FootprintReplica.SAMPLES_PROPERTY + "=" + samples);
            command.add("-cp");
            command.add(System.getProperty("footprint.classpath", System.getProperty("java.class.path")));
            command.add(FootprintReplica.class.getName());
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(replicaLog.toFile()));
            Map<String, String> env = pb.environment();
            env.remove("JAVA_TOOL_OPTIONS");
            env.put(ShopServer.ENV_PORT, Integer.toString(port));
            env.put(ShopServer.ENV_APP, APP);
            env.put(ShopServer.ENV_REDIS_URI, redis.uri());
            env.put(ShopServer.ENV_ETCD_ENDPOINTS, etcd.endpoint());
            env.put(ShopServer.ENV_S3_ENDPOINT, s3.endpoint().toString());
            env.put(ShopServer.ENV_S3_BUCKET, bucket);
            env.put(DemoOptions.ENV_S3_ACCESS_KEY, s3.accessKey());
            env.put(DemoOptions.ENV_S3_SECRET_KEY, s3.secretKey());
            env.put("EXSTATE_REQUIRE_SHARED_BACKENDS", "true");
            long launched = System.nanoTime();
            Process replica = pb.start();
            try {
                URI base = URI.create("http://127.0.0.1:" + port);
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2)).executor(Executors.newFixedThreadPool(4, daemon("footprint-http")))
                        .build();
                Duration startup = awaitReady(http, base, replica, replicaLog, launched);
                log.println("footprint: replica pid " + replica.pid() + " ready after " + startup.toMillis() + " ms");
                ProcSampler proc = new ProcSampler(replica.pid(), Map.of("redis", redis.port(), "etcd", etcd.clientPort(),
                        "s3", s3.port(), "http-in", -port));
                proc.start();
                List<FootprintReport.PhaseResult> results = new ArrayList<>();
                for (Phase phase : settings.phases()) {
                    log.println("footprint: " + phase.name() + " for " + phase.length().toSeconds() + " s");
                    results.add(runPhase(phase, http, base, replica, proc, samples));
                }
                proc.stop();
                // as Kubernetes does after preStop: SIGTERM, and the grace period to exit
                long term = System.nanoTime();
                replica.destroy();
                boolean exited = replica.waitFor(ShopServer.SHUTDOWN_BUDGET.toSeconds() + 30, TimeUnit.SECONDS);
                Duration shutdown = Duration.ofNanos(System.nanoTime() - term);
                Conditions after = Conditions.now();
                return new FootprintReport(before, after, String.join(" ", jvm), memoryLimit, cpuLimit, startup,
                        exited ? Optional.of(shutdown) : Optional.empty(), results, List.of(MIX_NAMES), MIX);
            } finally {
                if (replica.isAlive()) {
                    replica.destroyForcibly();
                    replica.waitFor(10, TimeUnit.SECONDS);
                }
                if (!replica.isAlive() && replica.exitValue() != 143 && replica.exitValue() != 0) {
                    log.println("footprint: the replica exited with " + replica.exitValue() + "; its log:\n" + tail(replicaLog));
                }
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private Duration awaitReady(HttpClient http, URI base, Process replica, Path replicaLog, long launched) throws Exception {
        long deadline = launched + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() - deadline < 0) {
            if (!replica.isAlive()) {
                throw new IllegalStateException("the replica exited with " + replica.exitValue() + " before it was ready; its log:\n"
                        + tail(replicaLog));
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(base.resolve(ShopServer.READINESS_PATH))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - launched);
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the replica was not ready within 120 s; its log:\n" + tail(replicaLog));
    }

    private FootprintReport.PhaseResult runPhase(Phase phase, HttpClient http, URI base, Process replica, ProcSampler proc,
                                                 Path samples) throws Exception {
        proc.resetPeak();
        long startMs = System.currentTimeMillis();
        Optional<Duration> cpuStart = ProcessHandle.of(replica.pid()).flatMap(h -> h.info().totalCpuDuration());
        Load load = new Load(http, base, phase.rate());
        load.start();
        Thread.sleep(phase.length().toMillis());
        load.stop();
        long endMs = System.currentTimeMillis();
        Optional<Duration> cpuEnd = ProcessHandle.of(replica.pid()).flatMap(h -> h.info().totalCpuDuration());
        if (!replica.isAlive()) {
            throw new IllegalStateException("the replica died during " + phase.name());
        }
        double cores = cpuStart.isPresent() && cpuEnd.isPresent()
                ? (cpuEnd.get().toNanos() - cpuStart.get().toNanos()) / 1e6 / (endMs - startMs) : Double.NaN;
        load.awaitQuiet(Duration.ofSeconds(10));
        return FootprintReport.PhaseResult.of(phase, startMs, endMs, cores, load.results(), proc.samplesBetween(startMs, endMs),
                proc.hwmKb(), JvmSamples.read(samples, startMs, endMs));
    }

    /** Open-loop load: request i is due at start + i / rate whatever the answers; latency counts from then. */
    private final class Load {
        private final HttpClient http;
        private final URI base;
        private final int rate;
        private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("footprint-load"));
        private final AtomicInteger inFlight = new AtomicInteger();
        private final FootprintReport.LoadResults results = new FootprintReport.LoadResults();
        private final AtomicReferenceArray<String> cookies = new AtomicReferenceArray<>(USERS);
        private final AtomicLongArray adds = new AtomicLongArray(USERS);
        private final List<String> fileKeys = new CopyOnWriteArrayList<>();
        private final AtomicLong sent = new AtomicLong();
        private long startNanos;

        Load(HttpClient http, URI base, int rate) {
            this.http = http;
            this.base = base;
            this.rate = rate;
        }

        void start() {
            if (rate == 0) {
                return;
            }
            startNanos = System.nanoTime();
            long periodMicros = 1_000_000L / rate;
            ticker.scheduleAtFixedRate(this::due, 0, periodMicros, TimeUnit.MICROSECONDS);
        }

        /** Sends every request due by now (a late tick catches up, as an open-loop client must). */
        private void due() {
            long elapsed = System.nanoTime() - startNanos;
            long dueCount = elapsed * rate / 1_000_000_000L + 1;
            while (sent.get() < dueCount) {
                long i = sent.getAndIncrement();
                long dueAt = startNanos + i * 1_000_000_000L / rate;
                if (inFlight.get() >= MAX_IN_FLIGHT) {
                    results.dropped.incrementAndGet();
                    continue;
                }
                send(dueAt);
            }
        }

        private void send(long dueAt) {
            int user;
            int kind;
            byte[] upload = null;
            synchronized (random) {
                user = random.nextInt(USERS);
                int pick = random.nextInt(100);
                kind = 0;
                while (pick >= MIX[kind]) {
                    pick -= MIX[kind];
                    kind++;
                }
                if (kind == 3) {
                    upload = new byte[1024 + random.nextInt(7 * 1024)];
                    random.nextBytes(upload);
                }
            }
            if (kind == 4 && fileKeys.isEmpty()) {
                kind = 2;
            }
            HttpRequest.Builder rb = HttpRequest.newBuilder().timeout(Duration.ofSeconds(10));
            String cookie = cookies.get(user);
            if (cookie != null && (kind == 0 || kind == 1)) {
                rb.header("Cookie", cookie);
            }
            switch (kind) {
                case 0 -> rb.uri(base.resolve("/cart")).GET();
                case 1 -> rb.uri(base.resolve("/cart/items")).POST(HttpRequest.BodyPublishers.ofString("item-" + (user % 37)));
                case 2 -> rb.uri(base.resolve("/flags")).GET();
                case 3 -> rb.uri(base.resolve("/files")).header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(upload));
                default -> rb.uri(base.resolve("/files/" + fileKeys.get(Math.floorMod((int) dueAt, fileKeys.size())))).GET();
            }
            int k = kind;
            inFlight.incrementAndGet();
            http.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((r, e) -> {
                inFlight.decrementAndGet();
                long latency = System.nanoTime() - dueAt;
                if (e != null) {
                    results.record(k, -1, latency);
                    return;
                }
                results.record(k, r.statusCode(), latency);
                r.headers().firstValue("Set-Cookie").ifPresent(c -> cookies.set(user, c.split(";", 2)[0]));
                if (k == 1 && adds.incrementAndGet(user) % ADDS_PER_SESSION == 0) {
                    cookies.set(user, null); // a new shopper: carts stay small, sessions come and go
                }
                if (k == 3 && r.statusCode() / 100 == 2 && fileKeys.size() < 10_000) {
                    fileKeys.add(new String(r.body(), StandardCharsets.UTF_8).strip());
                }
            });
        }

        void stop() {
            ticker.shutdownNow();
        }

        void awaitQuiet(Duration max) throws InterruptedException {
            long until = System.nanoTime() + max.toNanos();
            while (inFlight.get() > 0 && System.nanoTime() - until < 0) {
                Thread.sleep(20);
            }
        }

        FootprintReport.LoadResults results() {
            results.scheduled = sent.get();
            return results;
        }
    }

    /** Samples /proc/&lt;pid&gt; every 100 ms on a thread of its own. */
    static final class ProcSampler {
        private final long pid;
        private final Map<String, Integer> ports; // negative: a local port (inbound connections)
        private final List<ProcSample> samples = new CopyOnWriteArrayList<>();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("footprint-proc"));
        private volatile boolean peakResettable = true;

        ProcSampler(long pid, Map<String, Integer> ports) {
            this.pid = pid;
            this.ports = ports;
        }

        void start() {
            timer.scheduleAtFixedRate(() -> {
                try {
                    samples.add(sample());
                } catch (IOException | RuntimeException e) {
                    // the process is gone; the phase notices
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
        }

        void stop() throws InterruptedException {
            timer.shutdownNow();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }

        /** Resets VmHWM to the current RSS (writing 5 to clear_refs), so the next read is this phase's peak. */
        void resetPeak() {
            try {
                Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            } catch (IOException e) {
                peakResettable = false;
            }
        }

        /** VmHWM now, or -1 if it could not be reset per phase (then it is the peak since start). */
        long hwmKb() {
            try {
                long hwm = status().getOrDefault("VmHWM", -1L);
                return peakResettable ? hwm : -hwm;
            } catch (IOException e) {
                return -1;
            }
        }

        List<ProcSample> samplesBetween(long startMs, long endMs) {
            return samples.stream().filter(s -> s.epochMs() >= startMs && s.epochMs() <= endMs).toList();
        }

        private Map<String, Long> status() throws IOException {
            Map<String, Long> m = new java.util.HashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    String[] v = line.substring(colon + 1).trim().split("\\s+");
                    if (v.length > 0 && v[0].matches("\\d+")) {
                        m.put(line.substring(0, colon), Long.parseLong(v[0]));
                    }
                }
            }
            return m;
        }

        private ProcSample sample() throws IOException {
            long now = System.currentTimeMillis();
            Map<String, Long> status = status();
            Set<Long> inodes = new HashSet<>();
            try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            }
            Map<String, Integer> connections = new java.util.LinkedHashMap<>();
            ports.keySet().forEach(k -> connections.put(k, 0));
            for (String table : List.of("tcp", "tcp6")) {
                Path p = Path.of("/proc", Long.toString(pid), "net", table);
                if (!Files.exists(p)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(p);
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !"01".equals(f[3]) || !inodes.contains(Long.parseLong(f[9]))) {
                        continue; // not established, or not this process's
                    }
                    int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                    int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                    ports.forEach((name, port) -> {
                        if (port > 0 ? remote == port : local == -port) {
                            connections.merge(name, 1, Integer::sum);
                        }
                    });
                }
            }
            return new ProcSample(now, status.getOrDefault("VmRSS", -1L), status.getOrDefault("Threads", -1L), connections);
        }
    }

    /** One /proc sample: RSS in KiB, OS threads, established connections per backend. */
    record ProcSample(long epochMs, long rssKb, long osThreads, Map<String, Integer> connections) {
    }

    /** The replica's own samples ({@link FootprintReplica}) within a phase. */
    record JvmSamples(long heapUsedMax, long heapCommittedMax, long nonHeapCommittedMax, int liveThreadsMax, int peakThreads,
                      int samples, int gcCount, long gcTotalMs, long gcMaxMs, long heapBeforeGcMax) {
        static JvmSamples read(Path file, long startMs, long endMs) throws IOException {
            long used = 0;
            long committed = 0;
            long nonHeap = 0;
            int live = 0;
            int peak = 0;
            int n = 0;
            int gcs = 0;
            long gcTotal = 0;
            long gcMax = 0;
            long beforeGc = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                String[] f = line.split(" ");
                if (f.length < 2) {
                    continue;
                }
                long t = Long.parseLong(f[1]);
                if (t < startMs || t > endMs) {
                    continue;
                }
                if (f[0].equals("S") && f.length >= 8) {
                    n++;
                    used = Math.max(used, Long.parseLong(f[2]));
                    committed = Math.max(committed, Long.parseLong(f[3]));
                    nonHeap = Math.max(nonHeap, Long.parseLong(f[5]));
                    live = Math.max(live, Integer.parseInt(f[6]));
                    peak = Math.max(peak, Integer.parseInt(f[7]));
                } else if (f[0].equals("G") && f.length >= 6) {
                    gcs++;
                    long d = Long.parseLong(f[2]);
                    gcTotal += d;
                    gcMax = Math.max(gcMax, d);
                    beforeGc = Math.max(beforeGc, Long.parseLong(f[3]));
                }
            }
            return new JvmSamples(used, committed, nonHeap, live, peak, n, gcs, gcTotal, gcMax, beforeGc);
        }
    }

    /** The machine while the harness ran: other processes share it, so the figures carry it. */
    record Conditions(Instant at, int cpus, String loadAverage, String java) {
        static Conditions now() {
            String load;
            try {
                load = Files.readString(Path.of("/proc/loadavg")).trim();
            } catch (IOException e) {
                load = "unknown";
            }
            return new Conditions(Instant.now(), Runtime.getRuntime().availableProcessors(), load,
                    System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        }

        String render() {
            return at + ", " + cpus + " CPUs, load average " + loadAverage + ", " + java;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temp file left behind
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // nothing to delete
        }
    }
}
