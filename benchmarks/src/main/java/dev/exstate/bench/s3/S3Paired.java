package dev.exstate.bench.s3;

import java.util.Arrays;
import java.util.Locale;

/**
 * The downloads of {@link S3Benchmarks}, measured interleaved: exstate and the raw MinIO client
 * alternate in short blocks (ABBA order within each round) against the same s3proxy child JVM,
 * so that the drift of this shared machine's speed hits both sides alike (JMH runs one benchmark
 * after the other, and its S3 download ratios moved by ±0.1 between runs). Same fixture, same
 * operations: it calls the JMH benchmark methods themselves. Per-operation time
 * ({@code System.nanoTime} around each download), mean and median per side; the ratio is raw
 * time / exstate time (throughput ratio, higher is better for exstate).
 *
 * <p>Usage: {@code java -Xms1g -Xmx1g -cp benchmarks.jar dev.exstate.bench.s3.S3Paired [rounds] [sizes...]}
 * (defaults 100 rounds of 2 x 10 downloads per side; sizes 4096 and 1048576).
 */
public final class S3Paired {
    private static final int BATCH = 10;

    /** One download of one side. */
    private interface Op {
        long run() throws Exception;
    }

    private S3Paired() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        long[] sizes = args.length > 1
                ? Arrays.stream(args, 1, args.length).mapToLong(Long::parseLong).toArray()
                : new long[] {4096, 1 << 20};
        System.out.printf(Locale.ROOT, "S3Paired: %d rounds x 2 x %d downloads per side per size, %d cores, %s, load %.2f%n",
                rounds, BATCH, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"), load());
        StringBuilder table = new StringBuilder()
                .append("| size | exstate mean ms | exstate median ms | raw mean ms | raw median ms | ratio raw/exstate (mean) | ratio (median) |\n")
                .append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (long size : sizes) {
            S3Benchmarks bench = new S3Benchmarks();
            bench.size = size;
            bench.start();
            try {
                Op exstate = bench::download_exstate;
                Op raw = bench::download_raw_minio;
                // warm-up: both clients and the s3proxy JVM JIT-compiled, connections pooled (with
                // 300 rounds s3proxy was still warming up: every figure dropped by half in a longer run)
                for (int i = 0; i < 1000; i++) {
                    exstate.run();
                    raw.run();
                }
                long[] a = new long[rounds * 2 * BATCH];
                long[] b = new long[rounds * 2 * BATCH];
                int ai = 0;
                int bi = 0;
                for (int r = 0; r < rounds; r++) {
                    ai = block(exstate, a, ai);
                    bi = block(raw, b, bi);
                    bi = block(raw, b, bi);
                    ai = block(exstate, a, ai);
                }
                Arrays.sort(a);
                Arrays.sort(b);
                double am = mean(a);
                double bm = mean(b);
                long amed = a[a.length / 2];
                long bmed = b[b.length / 2];
                table.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | **%.2f** | %.2f |%n",
                        size >= (1 << 20) ? (size >> 20) + " MiB" : (size >> 10) + " KiB",
                        am / 1e6, amed / 1e6, bm / 1e6, bmed / 1e6, bm / am, (double) bmed / amed));
            } finally {
                bench.stop();
            }
        }
        System.out.printf(Locale.ROOT, "load at end %.2f%n%n", load());
        System.out.print(table);
        System.exit(0);
    }

    private static int block(Op op, long[] into, int at) throws Exception {
        for (int i = 0; i < BATCH; i++) {
            long t0 = System.nanoTime();
            op.run();
            into[at++] = System.nanoTime() - t0;
        }
        return at;
    }

    private static double mean(long[] v) {
        double s = 0;
        for (long x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
