package dev.exstate.examples.footprint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link Footprint} measured: per phase the PEAK of each memory figure (a mean hides the
 * moment before a collection, which is what the OOM killer sees), thread and connection peaks, GC
 * pauses, CPU, and how the requests went; then the resources those figures imply.
 */
public record FootprintReport(Footprint.Conditions before, Footprint.Conditions after, String jvmFlags, long memoryLimit,
                              long cpuLimitMillis, Duration startup, Optional<Duration> shutdown, List<PhaseResult> phases,
                              List<String> mixNames, int[] mix) {
    /** Memory request = peak RSS at the top rate times this. */
    public static final double MEMORY_MARGIN = 1.3;
    /** CPU request = mean cores used at the top rate times this. */
    public static final double CPU_MARGIN = 1.5;
    private static final long MI = 1024 * 1024;

    /** How the requests of a phase went. Thread-safe. */
    public static final class LoadResults {
        final AtomicLong dropped = new AtomicLong();
        long scheduled;
        private final List<Long> latencies = new ArrayList<>();
        private final Map<String, Long> statuses = new TreeMap<>();

        synchronized void record(int kind, int status, long latencyNanos) {
            latencies.add(latencyNanos);
            String key = status < 0 ? "error" : (status / 100) + "xx";
            statuses.merge(key, 1L, Long::sum);
        }

        public synchronized long answered() {
            return latencies.size();
        }

        public synchronized Map<String, Long> statuses() {
            return Map.copyOf(statuses);
        }

        synchronized long percentileMs(double p) {
            if (latencies.isEmpty()) {
                return 0;
            }
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            int i = (int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1);
            return sorted.get(Math.max(0, i)) / 1_000_000;
        }
    }

    /** One phase's figures. */
    public record PhaseResult(Footprint.Phase phase, long seconds, double cores, LoadResults load, long rssPeakKb, long hwmKb,
                              long osThreadsPeak, Map<String, Integer> connectionsPeak, Footprint.JvmSamples jvm, int procSamples) {
        static PhaseResult of(Footprint.Phase phase, long startMs, long endMs, double cores, LoadResults load,
                              List<Footprint.ProcSample> samples, long hwmKb, Footprint.JvmSamples jvm) {
            long rss = 0;
            long threads = 0;
            Map<String, Integer> conns = new TreeMap<>();
            for (Footprint.ProcSample s : samples) {
                rss = Math.max(rss, s.rssKb());
                threads = Math.max(threads, s.osThreads());
                s.connections().forEach((k, v) -> conns.merge(k, v, Math::max));
            }
            return new PhaseResult(phase, (endMs - startMs) / 1000, cores, load, rss, hwmKb, threads, conns, jvm, samples.size());
        }

        /** The larger of the sampled RSS peak and the kernel's high-water mark for the phase, in bytes. */
        public long rssPeakBytes() {
            return Math.max(rssPeakKb, Math.abs(hwmKb)) * 1024;
        }

        /** Heap used at its highest: sampled, or just before a collection. */
        public long heapUsedPeak() {
            return Math.max(jvm.heapUsedMax(), jvm.heapBeforeGcMax());
        }

        public int connections(String backend) {
            return connectionsPeak.getOrDefault(backend, 0);
        }
    }

    /** The reported phase with the highest rate. */
    public PhaseResult top() {
        return phases.stream().filter(p -> p.phase().reported()).reduce((a, b) -> b.phase().rate() >= a.phase().rate() ? b : a)
                .orElseThrow();
    }

    /** The phase with the highest RSS peak, warm-up included: the OOM killer does not care which phase it is. */
    public PhaseResult rssPeakPhase() {
        return phases.stream().reduce((a, b) -> b.rssPeakBytes() > a.rssPeakBytes() ? b : a).orElseThrow();
    }

    /**
     * Memory request (and limit) implied: the highest RSS peak of any phase times {@link #MEMORY_MARGIN},
     * rounded up to 16 MiB.
     */
    public long impliedMemoryBytes() {
        return roundUp((long) Math.ceil(rssPeakPhase().rssPeakBytes() * MEMORY_MARGIN), 16 * MI);
    }

    /** Memory outside the heap at its highest: RSS peak minus the heap committed then (the heap never shrinks here). */
    public long nativePeakBytes() {
        return phases.stream().mapToLong(p -> p.rssPeakBytes() - p.jvm().heapCommittedMax()).max().orElseThrow();
    }

    /** CPU request implied: mean cores at the top rate times {@link #CPU_MARGIN}, rounded up to 50 m. */
    public long impliedCpuMillis() {
        return roundUp((long) Math.ceil(top().cores() * 1000 * CPU_MARGIN), 50);
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("exstate shop footprint: one replica (ShopServer) on redis-server, etcd and s3proxy, loopback\n");
        out.append("start:  ").append(before.render()).append('\n');
        out.append("end:    ").append(after.render()).append('\n');
        out.append("replica JVM flags (the Deployment's JAVA_TOOL_OPTIONS, with its limits as MaxRAM/ActiveProcessorCount): ")
                .append(jvmFlags).append('\n');
        out.append("pod limits in the manifest: memory ").append(memoryLimit / MI).append(" Mi, cpu ").append(cpuLimitMillis).append(" m\n");
        StringBuilder m = new StringBuilder();
        for (int i = 0; i < mix.length; i++) {
            m.append(i == 0 ? "" : ", ").append(mix[i]).append("% ").append(mixNames.get(i));
        }
        out.append("request mix (open loop, 500 shoppers with cookies, uploads 1-8 KiB): ").append(m).append('\n');
        out.append("start to ready: ").append(startup.toMillis()).append(" ms\n\n");
        String fmt = "%-20s %9s %9s %9s %9s %9s %8s %8s %6s %6s %6s %6s %7s %9s %9s %7s %9s %9s%n";
        out.append(String.format(Locale.ROOT, fmt, "phase", "RSS peak", "RSS hwm", "heap used", "heap comm", "non-heap",
                "threads", "OS thr", "redis", "etcd", "s3", "http", "GCs", "GC total", "GC max", "cores", "p99 ms", "answered"));
        out.append(String.format(Locale.ROOT, fmt, "", "MiB", "MiB", "peak MiB", "peak MiB", "comm MiB", "peak", "peak",
                "conns", "conns", "conns", "in", "", "ms", "ms", "mean", "", "2xx/all"));
        for (PhaseResult p : phases) {
            out.append(String.format(Locale.ROOT, fmt, p.phase().name() + (p.phase().reported() ? "" : " *"),
                    mib(p.rssPeakKb() * 1024), p.hwmKb() < 0 ? "n/a" : mib(p.hwmKb() * 1024), mib(p.heapUsedPeak()),
                    mib(p.jvm().heapCommittedMax()), mib(p.jvm().nonHeapCommittedMax()), p.jvm().liveThreadsMax(), p.osThreadsPeak(),
                    p.connections("redis"), p.connections("etcd"), p.connections("s3"), p.connections("http-in"), p.jvm().gcCount(),
                    p.jvm().gcTotalMs(), p.jvm().gcMaxMs(), String.format(Locale.ROOT, "%.3f", p.cores()),
                    p.load().answered() == 0 ? "-" : Long.toString(p.load().percentileMs(0.99)),
                    p.load().statuses().getOrDefault("2xx", 0L) + "/" + p.load().answered()));
        }
        out.append("(* not reported: JIT and class loading settle here)\n\n");
        for (PhaseResult p : phases) {
            out.append(p.phase().name()).append(": ").append(p.seconds()).append(" s, ").append(p.load().scheduled)
                    .append(" requests due, answers ").append(p.load().statuses()).append(", dropped by the harness ")
                    .append(p.load().dropped.get()).append(", latency p50 ").append(p.load().percentileMs(0.5)).append(" ms p99 ")
                    .append(p.load().percentileMs(0.99)).append(" ms max ").append(p.load().percentileMs(1.0))
                    .append(" ms (from the time each was due); JVM peak threads ").append(p.jvm().peakThreads())
                    .append("; samples ").append(p.procSamples()).append(" /proc, ").append(p.jvm().samples()).append(" JVM\n");
        }
        out.append("shutdown on SIGTERM (load stopped, as after preStop): ")
                .append(shutdown.map(d -> d.toMillis() + " ms").orElse("did not exit in time")).append('\n');
        PhaseResult top = top();
        PhaseResult peak = rssPeakPhase();
        out.append(String.format(Locale.ROOT, "memory outside the heap (RSS peak - heap committed), at most: %s MiB; heap used peak, "
                + "at most: %s MiB%n", mib(nativePeakBytes()), mib(phases.stream().mapToLong(PhaseResult::heapUsedPeak).max().orElseThrow())));
        out.append(String.format(Locale.ROOT, "%nimplied: memory request = limit = peak RSS %s MiB (%s) x %.1f = %d Mi; "
                        + "cpu request = %.3f cores (%s) x %.1f = %d m%n", mib(peak.rssPeakBytes()), peak.phase().name(), MEMORY_MARGIN,
                impliedMemoryBytes() / MI, top.cores(), top.phase().name(), CPU_MARGIN, impliedCpuMillis()));
        return out.toString();
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (double) MI);
    }

    private static long roundUp(long v, long step) {
        return (v + step - 1) / step * step;
    }
}
