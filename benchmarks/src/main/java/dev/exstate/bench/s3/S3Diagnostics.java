package dev.exstate.bench.s3;

import dev.exstate.internal.BlobTransfers;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.internal.ObjectMeta;
import dev.exstate.objectstore.internal.S3Calls;
import dev.exstate.objectstore.internal.S3Client;
import io.minio.GetObjectResponse;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where the time of an exstate download goes: the {@link S3Benchmarks} fixture's download, taken
 * apart into the layers {@code S3BlobStore.get} adds over the MinIO client, each measured as its
 * own operation, interleaved (each round runs every operation 10 times, order reversed every
 * other round), against the same s3proxy and object. Per operation: mean and median time, and
 * context switches of this JVM's threads ({@code /proc/self/task/<tid>/status}, voluntary and not)
 * over a block of consecutive calls: on this 2-vCPU VM each extra thread wake-up is what a fixed
 * cost per call is made of.
 *
 * <p>One line is the download as it was before issue 13: the guarded GET with a timer per call
 * ({@code orTimeout}, which closed replies that arrived after the guard gave up; now the guard's
 * cancellation does that).
 *
 * <p>Usage: {@code java -Xms1g -Xmx1g -cp benchmarks.jar dev.exstate.bench.s3.S3Diagnostics [size] [rounds]}
 * (defaults 4096 and 400).
 */
public final class S3Diagnostics {
    private interface Op {
        long run() throws Exception;
    }

    private record Layer(String name, Op op) {
    }

    private S3Diagnostics() {
    }

    public static void main(String[] args) throws Exception {
        long size = args.length > 0 ? Long.parseLong(args[0]) : 4096;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        S3Benchmarks bench = new S3Benchmarks();
        bench.size = size;
        bench.start();
        try {
            S3BlobStore store = (S3BlobStore) field(bench, "store");
            S3Client client = (S3Client) field(store, "client");
            S3Calls calls = (S3Calls) field(store, "calls");
            String key = (String) field(bench, "downloadKey");
            long lateAfterMillis = store.guard().policy().timeout().toMillis() + 1000;
            byte[] buf = new byte[64 * 1024];
            BlobTransfers transfers = new BlobTransfers();
            List<Layer> layers = List.of(
                    new Layer("raw MinioClient.getObject", bench::download_raw_minio),
                    new Layer("S3Client.get, no guard", () -> {
                        try (GetObjectResponse r = client.get(key, 0, -1).get()) {
                            return GeneratedContent.drain(r, buf);
                        }
                    }),
                    new Layer("+ guard (S3Calls.await)", () -> {
                        try (GetObjectResponse r = calls.await("blob.get", true, key, () -> client.get(key, 0, -1))) {
                            return GeneratedContent.drain(r, buf);
                        }
                    }),
                    new Layer("+ guard + a timer per GET (before)", () -> {
                        try (GetObjectResponse r = calls.await("blob.get", true, key,
                                () -> client.get(key, 0, -1).orTimeout(lateAfterMillis, TimeUnit.MILLISECONDS))) {
                            return GeneratedContent.drain(r, buf);
                        }
                    }),
                    new Layer("+ guard + headers to BlobInfo + byte count", () -> {
                        GetObjectResponse r = calls.await("blob.get", true, key, () -> client.get(key, 0, -1));
                        ObjectMeta.info(key, r.headers());
                        try (InputStream in = transfers.downloading(r)) {
                            return GeneratedContent.drain(in, buf);
                        }
                    }),
                    new Layer("S3BlobStore.get (all of it)", bench::download_exstate));
            for (int i = 0; i < 1000; i++) {
                for (Layer l : layers) {
                    l.op().run();
                }
            }
            int n = layers.size();
            long[][] t = new long[n][rounds * 10];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                    int idx = r % 2 == 0 ? k : n - 1 - k;
                    for (int i = 0; i < 10; i++) {
                        long t0 = System.nanoTime();
                        layers.get(idx).op().run();
                        t[idx][r * 10 + i] = System.nanoTime() - t0;
                    }
                }
            }
            double[] switches = new double[n];
            int block = 2000;
            for (int k = 0; k < n; k++) {
                long before = contextSwitches();
                for (int i = 0; i < block; i++) {
                    layers.get(k).op().run();
                }
                switches[k] = (contextSwitches() - before) / (double) block;
            }
            System.out.printf(Locale.ROOT, "S3Diagnostics: %d bytes, %d rounds x 10 per layer, load average %.2f%n%n", size, rounds,
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            System.out.println("| layer | mean ms | median ms | context switches per download |");
            System.out.println("|---|---:|---:|---:|");
            for (int k = 0; k < n; k++) {
                long[] v = t[k];
                Arrays.sort(v);
                System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.1f |%n", layers.get(k).name(),
                        Arrays.stream(v).average().orElse(0) / 1e6, v[v.length / 2] / 1e6, switches[k]);
            }
        } finally {
            bench.stop();
        }
        System.exit(0);
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    /** Context switches of this JVM's live threads so far. */
    private static long contextSwitches() throws java.io.IOException {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.contains("ctxt_switches")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (java.io.IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
    }
}
