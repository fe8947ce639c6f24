package dev.exstate.bench.etcd;

import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdConfigSource;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.testkit.backend.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watch propagation latency: from the start of a {@code put} to the moment a watcher's listener
 * runs with that value, exstate {@link EtcdConfigSource} vs a raw jetcd prefix watch, against one
 * real etcd on loopback, in one run.
 *
 * <p>One writer (its own jetcd client) puts {@code <prefix>latency = <n>}, then waits until every
 * watcher has seen {@code n} before the next put, so there is no queueing: each sample is one
 * isolated propagation. Each watcher is a separate client (a separate replica): exstate watchers
 * are separate {@link EtcdState}s with one config source each, raw watchers separate jetcd
 * {@link Client}s with one prefix watch each, on the same prefix. Two more raw sides pass each
 * value through one or two threads before recording it (exstate's delivery path has two such
 * hand-offs: jetcd's event loop to the source's watch thread, then to its delivery thread), so the
 * cost of those hand-offs is measured in the same run. For each watcher count the sides run in
 * eight blocks in ABCD DCBA order, each block with fresh watchers, half the warm-up and half the
 * updates, so that a drift of the machine's speed during the run affects all sides alike; each
 * side's samples are pooled, sorted and read at the 50th and 99th percentiles (nearest rank).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.exstate.bench.etcd.EtcdWatchLatency [updates] [warmup]}
 * (defaults 1000 and 200).
 */
public final class EtcdWatchLatency {
    private static final String KEY = "latency";
    private static final String EXSTATE = "exstate EtcdConfigSource";
    private static final String RAW = "raw jetcd watch";
    /** The raw watch whose listener hands each value on to one thread, as a delivery thread would. */
    private static final String RAW_1 = "raw jetcd watch + 1 hand-off";
    /** The raw watch with exstate's threading: event loop -> watch thread -> delivery thread. */
    private static final String RAW_2 = "raw jetcd watch + 2 hand-offs";

    private EtcdWatchLatency() {
    }

    /** One watcher that can be closed; reports values through the shared sink. */
    interface Watcher extends AutoCloseable {
        @Override
        void close() throws Exception;
    }

    /** Where listeners report a seen value; records latency for the current round. */
    static final class Round {
        volatile long sentNanos;
        volatile int expected = -1;
        volatile CountDownLatch seen = new CountDownLatch(0);
        volatile long[] samples;
        final AtomicInteger next = new AtomicInteger();

        void arrived(String value) {
            long now = System.nanoTime();
            int n;
            try {
                n = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                return;
            }
            if (n != expected) {
                return; // a late or early event (e.g. the initial snapshot): not this round
            }
            long[] s = samples;
            if (s != null) {
                int i = next.getAndIncrement();
                if (i < s.length) {
                    s[i] = now - sentNanos;
                }
            }
            seen.countDown();
        }
    }

    public static void main(String[] args) throws Exception {
        int updates = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        try (EtcdServer etcd = EtcdServer.builder().start()) {
            String endpoint = etcd.endpoint();
            EtcdOptions options = EtcdOptions.builder(endpoint).appName("bench").build();
            String prefix;
            try (EtcdState probe = EtcdState.connect(options);
                 EtcdConfigSource s = probe.configSource(ConfigValidator.acceptAll())) {
                prefix = s.prefix();
            }
            System.out.printf(Locale.ROOT, "etcd %s at %s, prefix %s, %d updates per phase after %d warm-up, "
                    + "%d cores, %s, load average %.2f%n", etcdVersion(), endpoint, prefix, updates, warmup,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"), load());
            Client writerClient = Client.builder().endpoints(endpoint).build();
            KV writer = writerClient.getKVClient();
            ByteSequence key = bytes(prefix + KEY);
            AtomicInteger counter = new AtomicInteger();
            List<String> rows = new ArrayList<>();
            try {
                for (int watchers : new int[] {1, 10}) {
                    // ABCD DCBA order, half the updates per block, so that a drift of the
                    // machine's speed during the run hits all sides alike
                    String[] order = {EXSTATE, RAW, RAW_1, RAW_2, RAW_2, RAW_1, RAW, EXSTATE};
                    java.util.Map<String, long[]> samplesBySide = new java.util.HashMap<>();
                    java.util.Map<String, Integer> filled = new java.util.HashMap<>();
                    for (String side : order) {
                        int blockUpdates = updates / 2;
                        long[] pool = samplesBySide.computeIfAbsent(side, k -> new long[updates * watchers]);
                        Round round = new Round();
                        List<Watcher> all = new ArrayList<>();
                        try {
                            for (int w = 0; w < watchers; w++) {
                                all.add(side.equals(EXSTATE) ? exstateWatcher(options, round)
                                        : rawWatcher(endpoint, prefix, round, side.equals(RAW) ? 0 : side.equals(RAW_1) ? 1 : 2));
                            }
                            run(writer, key, counter, round, watchers, warmup / 2, null);
                            long[] block = new long[blockUpdates * watchers];
                            run(writer, key, counter, round, watchers, blockUpdates, block);
                            int n = Math.min(round.next.get(), block.length);
                            int at = filled.getOrDefault(side, 0);
                            System.arraycopy(block, 0, pool, at, n);
                            filled.put(side, at + n);
                            System.out.printf(Locale.ROOT, "block: %d watcher(s), %s, %d samples, median %.2f ms%n",
                                    watchers, side, n, ms(median(Arrays.copyOf(block, n))));
                        } finally {
                            for (Watcher w : all) {
                                w.close();
                            }
                        }
                    }
                    for (String side : new String[] {EXSTATE, RAW, RAW_1, RAW_2}) {
                        long[] got = Arrays.copyOf(samplesBySide.get(side), filled.get(side));
                        Arrays.sort(got);
                        int n = got.length;
                        rows.add(String.format(Locale.ROOT, "| %d | %s | %d | %.2f | %.2f | %.2f | %.2f |", watchers, side, n,
                                ms(pct(got, 50)), ms(pct(got, 99)), ms(got[n - 1]), ms(mean(got))));
                    }
                }
            } finally {
                writerClient.close();
            }
            System.out.printf(Locale.ROOT, "load average at the end %.2f%n", load());
            System.out.println();
            System.out.println("| watchers | watcher | samples | p50 ms | p99 ms | max ms | mean ms |");
            System.out.println("|---:|---|---:|---:|---:|---:|---:|");
            rows.forEach(System.out::println);
        }
        System.exit(0);
    }

    private static void run(KV writer, ByteSequence key, AtomicInteger counter, Round round, int watchers, int updates,
                            long[] samples) throws Exception {
        round.samples = samples;
        round.next.set(0);
        for (int i = 0; i < updates; i++) {
            int n = counter.incrementAndGet();
            CountDownLatch seen = new CountDownLatch(watchers);
            round.seen = seen;
            round.expected = n;
            round.sentNanos = System.nanoTime();
            writer.put(key, bytes(Integer.toString(n))).get(5, TimeUnit.SECONDS);
            if (!seen.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("update " + n + " not seen by " + seen.getCount() + " of " + watchers
                        + " watchers within 10 s");
            }
        }
        round.samples = null;
    }

    private static Watcher exstateWatcher(EtcdOptions options, Round round) {
        EtcdState state = EtcdState.connect(options);
        EtcdConfigSource source = state.configSource(ConfigValidator.acceptAll());
        AutoCloseable subscription = source.subscribe(change -> {
            if (change.changedKeys().contains(KEY)) {
                change.current().get(KEY).ifPresent(round::arrived);
            }
        });
        return () -> {
            subscription.close();
            source.close();
            state.close();
        };
    }

    /**
     * A raw jetcd prefix watch; with {@code handOffs} 1 or 2 its listener passes each value through
     * that many threads before it is recorded, each blocking on a queue as exstate's are (the
     * first an {@code ArrayBlockingQueue} polled with a timeout, like the source's watch thread,
     * the last a {@code LinkedBlockingQueue}, like the delivery thread). That measures, in the
     * same run, what exstate's two hand-offs cost without anything else exstate does.
     */
    private static Watcher rawWatcher(String endpoint, String prefix, Round round, int handOffs) {
        Client client = Client.builder().endpoints(endpoint).build();
        ByteSequence keyPrefix = bytes(prefix);
        ByteSequence key = bytes(prefix + KEY);
        List<HandOff> threads = new ArrayList<>();
        java.util.function.Consumer<String> sink = round::arrived;
        for (int i = 0; i < handOffs; i++) {
            HandOff h = new HandOff(i == handOffs - 1 ? new java.util.concurrent.LinkedBlockingQueue<>()
                    : new java.util.concurrent.ArrayBlockingQueue<>(1024), i < handOffs - 1, sink);
            threads.add(h);
            sink = h::accept;
        }
        java.util.function.Consumer<String> first = sink;
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch created = new CountDownLatch(1);
        Watch.Watcher watcher = client.getWatchClient().watch(keyPrefix,
                WatchOption.builder().isPrefix(true).withCreateNotify(true).build(),
                Watch.listener(response -> {
                    if (response.isCreatedNotify()) {
                        created.countDown();
                    }
                    for (WatchEvent e : response.getEvents()) {
                        if (e.getEventType() == WatchEvent.EventType.PUT && e.getKeyValue().getKey().equals(key)) {
                            first.accept(e.getKeyValue().getValue().toString(StandardCharsets.UTF_8));
                        }
                    }
                }, error::set));
        // the watch is set up asynchronously: a put before it exists would never be seen
        try {
            if (!created.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("raw jetcd watch not created within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return () -> {
            watcher.close();
            client.close();
            threads.forEach(HandOff::close);
            if (error.get() != null) {
                System.err.println("raw watcher error: " + error.get());
            }
        };
    }

    /** One thread that takes values from a queue and passes them on. */
    private static final class HandOff implements AutoCloseable {
        private final java.util.concurrent.BlockingQueue<String> queue;
        private final Thread thread;
        private volatile boolean closed;

        HandOff(java.util.concurrent.BlockingQueue<String> queue, boolean timedPoll, java.util.function.Consumer<String> next) {
            this.queue = queue;
            this.thread = new Thread(() -> {
                try {
                    while (!closed) {
                        String v = timedPoll ? queue.poll(100, TimeUnit.MILLISECONDS) : queue.take();
                        if (v != null) {
                            next.accept(v);
                        }
                    }
                } catch (InterruptedException e) {
                    // closing
                }
            }, "bench-hand-off");
            thread.setDaemon(true);
            thread.start();
        }

        void accept(String value) {
            queue.offer(value);
        }

        @Override
        public void close() {
            closed = true;
            thread.interrupt();
        }
    }

    private static String etcdVersion() {
        try {
            // the server's own version (etcdctl would print the client's)
            Process p = new ProcessBuilder("etcd", "--version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
            p.waitFor();
            return first.trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static long pct(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static long median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c.length == 0 ? 0 : pct(c, 50);
    }

    private static double mean(long[] v) {
        double sum = 0;
        for (long x : v) {
            sum += x;
        }
        return v.length == 0 ? 0 : sum / v.length;
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }
}
