package dev.exstate.bench.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.LongAdder;

/**
 * The comparisons of {@link RedisBenchmarks}, measured interleaved: exstate and the other side alternate in
 * short blocks (ABBA order within each round), so that the drift of this shared 2-core machine's
 * speed during a run (seen as ±20-50% between JMH iterations and forks) hits both sides alike.
 * JMH measures one benchmark after the other, so its ratios carry that drift; this harness is the
 * complement that makes the ratios stable. Same fixture, same operations (it calls the JMH
 * benchmark methods themselves).
 *
 * <ul>
 *   <li>1 thread: per-operation time ({@code System.nanoTime} around each remote call; around a
 *       batch of 10,000 for the near-cache hit), mean and median per side;</li>
 *   <li>16 threads: alternating 1-second blocks in which 16 threads run one side flat out;
 *       operations per second per side (remote operations only; the near-cache hit at 16 threads
 *       is left to JMH, the harness's own per-call cost would dominate it).</li>
 * </ul>
 * Every row also gives Redis's round trips and commands per operation of each side, read from
 * its {@code INFO} around each block ({@link CommandCounter}). The other side is the raw client
 * (Caffeine, Lettuce) or a peer library (Spring Session, Redisson); rows against a peer have no
 * target.
 *
 * <p>Usage: {@code java -Xms1g -Xmx1g -cp benchmarks.jar dev.exstate.bench.redis.RedisPaired [rounds] [blocks16] [only]}
 * (defaults 200, 10, every pair; {@code only}: the pairs whose names contain it, e.g. {@code request}).
 */
public final class RedisPaired {
    private static final int BATCH = 100;
    private static final int HIT_BATCH = 10_000;
    private static final int THREADS = 16;

    /** One operation of one side, on one thread's state. */
    interface Op {
        Object run(RedisBenchmarks.PerThread t) throws Exception;
    }

    record Pair(String name, String exstate, Op a, String raw, Op b, boolean hit, double latencyTarget, double throughputTarget) {
    }

    /** Redis's commands and round trips per operation of each side: [0] exstate, [1] the other side. */
    record Counts(CommandCounter.Totals[] sides) {
        static Counts of() {
            return new Counts(new CommandCounter.Totals[] {new CommandCounter.Totals(), new CommandCounter.Totals()});
        }

        String rt() {
            return String.format(Locale.ROOT, "%.2f / %.2f", sides[0].roundTripsPerOp(), sides[1].roundTripsPerOp());
        }

        String cmds() {
            return String.format(Locale.ROOT, "%.2f / %.2f", sides[0].commandsPerOp(), sides[1].commandsPerOp());
        }
    }

    private static CommandCounter counter;

    private RedisPaired() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int blocks16 = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        RedisBenchmarks bench = new RedisLatency();
        double none = Double.NaN; // no target against a peer library: the figure is for information
        List<Pair> pairs = List.of(
                new Pair("near-cache hit", "find + get (cached)", bench::hit_exstate_find_get,
                        "Caffeine getIfPresent", bench::hit_raw_caffeine_getIfPresent, true, 2.0, 0.5),
                new Pair("near-cache hit", "find + get (cached)", bench::hit_exstate_find_get,
                        "Redisson RLocalCachedMap.get", bench::hit_redisson_localcachedmap_get, true, none, none),
                new Pair("read on a miss", "find + get (near cache off)", bench::miss_exstate_find_get,
                        "HGETALL", bench::miss_raw_hgetall, false, 1.15, 0.85),
                new Pair("read on a miss", "find + get (near cache off)", bench::miss_exstate_find_get,
                        "HGET", bench::miss_raw_hget, false, 1.15, 0.85),
                new Pair("read on a miss", "find + get (near cache off)", bench::miss_exstate_find_get,
                        "Spring Session findById", bench::miss_springsession_findById_get, false, none, none),
                new Pair("read on a miss", "find + get (near cache off)", bench::miss_exstate_find_get,
                        "Redisson RMap.readAllMap", bench::miss_redisson_rmap_readAllMap, false, none, none),
                new Pair("attribute write", "put + save", bench::write_exstate_put_save,
                        "HSET + PEXPIRE pipelined", bench::write_raw_hset_pexpire, false, 1.15, 0.85),
                new Pair("request, cached session", "find + put + save", bench::request_exstate_find_put_save,
                        "Caffeine + HSET + PEXPIRE pipelined", bench::request_raw_caffeine_hset_pexpire, false, 1.15, 0.85),
                new Pair("request, cached session", "find + put + save", bench::request_exstate_find_put_save,
                        "Spring Session findById + set + save", bench::request_springsession_find_set_save, false, none, none),
                new Pair("compute one attribute", "compute", bench::compute_exstate_compute,
                        "Lua CAS on the last seen value", bench::compute_raw_lua_cas, false, 1.15, 0.85),
                new Pair("compute one attribute", "compute", bench::compute_exstate_compute,
                        "Redisson RMap.compute", bench::compute_redisson_rmap_compute, false, none, none),
                new Pair("compute one attribute", "compute", bench::compute_exstate_compute,
                        "Redisson RLocalCachedMap get + replace", bench::compute_redisson_localcachedmap_replace, false, none, none),
                new Pair("lease", "tryAcquire + release", bench::lease_exstate_acquire_release,
                        "SET NX PX + DEL", bench::lease_raw_setnxpx_del, false, 1.15, 0.85),
                new Pair("lease", "tryAcquire + release", bench::lease_exstate_acquire_release,
                        "Redisson RLock tryLock + unlock", bench::lease_redisson_rlock_tryLock_unlock, false, none, none),
                new Pair("lease", "tryAcquire + release", bench::lease_exstate_acquire_release,
                        "Redisson RFencedLock tryLockAndGetToken + unlock", bench::lease_redisson_fencedlock_tryLockAndGetToken_unlock,
                        false, none, none));
        if (args.length > 2) {
            // a subset: pairs whose name or sides contain the third argument (e.g. "request")
            String only = args[2];
            pairs = pairs.stream().filter(p -> (p.name() + p.exstate() + p.raw()).contains(only)).toList();
        }

        RedisBenchmarks.Backend backend = new RedisBenchmarks.Backend();
        backend.start();
        counter = backend.counter;
        try {
            RedisBenchmarks.PerThread[] threads = new RedisBenchmarks.PerThread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                threads[i] = new RedisBenchmarks.PerThread();
                threads[i].setUp(backend);
            }
            System.out.printf(Locale.ROOT, "%d cores, %s %s; 1 thread: %d rounds x %d ops per side per pair "
                            + "(hit: batches of %d); 16 threads: %d one-second blocks per side per pair%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                    System.getProperty("java.vm.version"), rounds, BATCH, HIT_BATCH, blocks16);

            // warm-up: every operation of both sides, single- and multi-threaded
            for (Pair p : pairs) {
                singleThread(p, threads[0], Math.max(20, rounds / 10), Counts.of());
                if (!p.hit()) {
                    multiThread(p, threads, 2, 500, Counts.of());
                }
            }

            List<String> rows1 = new ArrayList<>();
            List<String> rows16 = new ArrayList<>();
            for (Pair p : pairs) {
                Counts counts = Counts.of();
                double[][] r = singleThread(p, threads[0], rounds, counts);
                double meanA = mean(r[0]);
                double meanB = mean(r[1]);
                double medA = median(r[0]);
                double medB = median(r[1]);
                String unit = p.hit() ? "ns" : "µs";
                double scale = p.hit() ? 1 : 1e-3;
                double ratio = meanA / meanB;
                boolean hasTarget = !Double.isNaN(p.latencyTarget());
                rows1.add(String.format(Locale.ROOT, "| %s | %s / %s | %.2f | %.2f | %.2f | %.2f %s | **%.2f** | %.2f | %s | %s | %.2f / %.2f | %s | %s |",
                        p.name(), p.exstate(), p.raw(), meanA * scale, meanB * scale, medA * scale, medB * scale, unit,
                        ratio, medA / medB, hasTarget ? String.format(Locale.ROOT, "≤ %.2f", p.latencyTarget()) : "—",
                        !hasTarget ? "" : ratio <= p.latencyTarget() ? "met" : "missed",
                        r[2][0], r[2][1], counts.rt(), counts.cmds()));
                System.out.println(rows1.get(rows1.size() - 1));
                printCounts(p, "1 thread", counts);
            }
            for (Pair p : pairs) {
                if (p.hit()) {
                    // a 30 ns operation behind a lambda and a nanoTime check per call measures the
                    // harness, not the cache: the 16-thread hit comparison is JMH's (RedisThroughput)
                    continue;
                }
                Counts counts = Counts.of();
                double[][] r = multiThread(p, threads, blocks16, 1000, counts);
                double a = mean(r[0]);
                double b = mean(r[1]);
                double ratio = a / b;
                double[] blockRatios = new double[r[0].length];
                for (int i = 0; i < blockRatios.length; i++) {
                    blockRatios[i] = r[0][i] / r[1][i];
                }
                Arrays.sort(blockRatios);
                String target;
                boolean met;
                if (p.hit()) {
                    // the target is on time: exstate time <= 2x raw time, i.e. throughput >= 0.5x
                    target = "time ≤ 2x (thrpt ≥ 0.50)";
                    met = ratio >= 0.5;
                } else {
                    target = String.format(Locale.ROOT, "≥ %.2f", p.throughputTarget());
                    met = ratio >= p.throughputTarget();
                }
                boolean hasTarget = !Double.isNaN(p.throughputTarget());
                rows16.add(String.format(Locale.ROOT, "| %s | %s / %s | %,.0f | %,.0f | **%.2f** | %.2f – %.2f | %s | %s | %s | %s |",
                        p.name(), p.exstate(), p.raw(), a, b, ratio, blockRatios[0], blockRatios[blockRatios.length - 1],
                        hasTarget ? target : "—", !hasTarget ? "" : met ? "met" : "missed", counts.rt(), counts.cmds()));
                System.out.println(rows16.get(rows16.size() - 1));
                printCounts(p, "16 threads", counts);
            }
            System.out.println();
            System.out.println("1 thread (time per operation, interleaved):");
            System.out.println("| operation | exstate / other | exstate mean | other mean | exstate median | other median | ratio of means | ratio of medians | target | | context switches per op (machine) exstate / other | round trips per op exstate / other | Redis commands per op exstate / other |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|");
            rows1.forEach(System.out::println);
            System.out.println();
            System.out.println("16 threads (operations per second, interleaved 1 s blocks):");
            System.out.println("| operation | exstate / other | exstate ops/s | other ops/s | ratio | block ratios min – max | target | | server reads per op exstate / other | Redis commands per op exstate / other |");
            System.out.println("|---|---|---:|---:|---:|---:|---|---|---:|---:|");
            rows16.forEach(System.out::println);
        } finally {
            backend.stop();
        }
        System.exit(0);
    }

    /**
     * Per-op nanoseconds of each side: [0] exstate, [1] raw; [2] holds the machine-wide context
     * switches per operation of each side ({@code ctxt} of /proc/stat, counted around its blocks).
     */
    private static double[][] singleThread(Pair p, RedisBenchmarks.PerThread t, int rounds, Counts counts) throws Exception {
        int perBlock = p.hit() ? 5 : BATCH;
        double[] a = new double[rounds * perBlock];
        double[] b = new double[rounds * perBlock];
        long[] switches = new long[2];
        int n = 0;
        for (int round = 0; round < rounds; round++) {
            boolean exstateFirst = (round & 1) == 0;
            int at = n;
            long ops = (long) perBlock * (p.hit() ? HIT_BATCH : 1);
            if (exstateFirst) {
                switches[0] += counted(counts, 0, ops, () -> block(p.a(), t, a, at, perBlock, p.hit()));
                switches[1] += counted(counts, 1, ops, () -> block(p.b(), t, b, at, perBlock, p.hit()));
            } else {
                switches[1] += counted(counts, 1, ops, () -> block(p.b(), t, b, at, perBlock, p.hit()));
                switches[0] += counted(counts, 0, ops, () -> block(p.a(), t, a, at, perBlock, p.hit()));
            }
            n += perBlock;
        }
        double ops = (double) rounds * perBlock * (p.hit() ? HIT_BATCH : 1);
        return new double[][] {a, b, {switches[0] / ops, switches[1] / ops}};
    }

    interface Block {
        void run() throws Exception;
    }

    /**
     * Context switches on the whole machine while {@code block} runs (0 where /proc/stat is
     * missing); adds Redis's commands and round trips during the block to {@code side}'s counts.
     */
    private static long counted(Counts counts, int side, long ops, Block block) throws Exception {
        CommandCounter.Snapshot start = counter.snapshot();
        long before = contextSwitches();
        block.run();
        long after = contextSwitches();
        counts.sides()[side].add(counter.snapshot().minus(start), ops);
        return before < 0 || after < 0 ? 0 : after - before;
    }

    private static void printCounts(Pair p, String threads, Counts counts) {
        System.out.println("[rt] " + threads + ", " + p.name() + ", exstate " + p.exstate() + ": " + counts.sides()[0].perOp());
        System.out.println("[rt] " + threads + ", " + p.name() + ", " + p.raw() + ": " + counts.sides()[1].perOp());
    }

    private static long contextSwitches() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))) {
                if (line.startsWith("ctxt ")) {
                    return Long.parseLong(line.substring(5).trim());
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }

    private static Object sink;

    private static void block(Op op, RedisBenchmarks.PerThread t, double[] out, int at, int count, boolean hit) throws Exception {
        for (int i = 0; i < count; i++) {
            if (hit) {
                long t0 = System.nanoTime();
                Object last = null;
                for (int j = 0; j < HIT_BATCH; j++) {
                    last = op.run(t);
                }
                out[at + i] = (System.nanoTime() - t0) / (double) HIT_BATCH;
                sink = last;
            } else {
                long t0 = System.nanoTime();
                sink = op.run(t);
                out[at + i] = System.nanoTime() - t0;
            }
        }
    }

    /** Ops/s of each block: [0] exstate, [1] raw; blocks alternate ABBA. */
    private static double[][] multiThread(Pair p, RedisBenchmarks.PerThread[] threads, int blocks, long millis, Counts counts) throws Exception {
        double[] a = new double[blocks];
        double[] b = new double[blocks];
        for (int i = 0; i < blocks; i++) {
            if ((i & 1) == 0) {
                a[i] = flatOut(p.a(), threads, millis, counts.sides()[0]);
                b[i] = flatOut(p.b(), threads, millis, counts.sides()[1]);
            } else {
                b[i] = flatOut(p.b(), threads, millis, counts.sides()[1]);
                a[i] = flatOut(p.a(), threads, millis, counts.sides()[0]);
            }
        }
        return new double[][] {a, b};
    }

    private static double flatOut(Op op, RedisBenchmarks.PerThread[] states, long millis, CommandCounter.Totals totals) throws Exception {
        CommandCounter.Snapshot before = counter.snapshot();
        LongAdder ops = new LongAdder();
        CyclicBarrier start = new CyclicBarrier(states.length + 1);
        long[] window = new long[2];
        List<Thread> workers = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        for (RedisBenchmarks.PerThread s : states) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    long end = window[1];
                    long count = 0;
                    int nulls = 0;
                    while (System.nanoTime() < end) {
                        // a thread-local use of the result: a shared sink field would make 16
                        // threads fight over one cache line and cap the near-cache rows
                        if (op.run(s) == null) {
                            nulls++;
                        }
                        count++;
                    }
                    ops.add(count + (nulls == Integer.MIN_VALUE ? 1 : 0));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-worker");
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
        window[0] = System.nanoTime();
        window[1] = window[0] + millis * 1_000_000L;
        start.await();
        for (Thread w : workers) {
            w.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a worker failed", failure.get());
        }
        totals.add(counter.snapshot().minus(before), ops.sum());
        // operations that started before the end count; the window is the planned one
        return ops.sum() / (millis / 1000.0);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
