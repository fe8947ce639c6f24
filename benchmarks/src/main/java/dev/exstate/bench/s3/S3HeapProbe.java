package dev.exstate.bench.s3;

import dev.exstate.blob.Blob;
import dev.exstate.blob.PutOptions;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Peak heap of one large upload and download, exstate vs raw MinIO client, in a JVM started with a
 * small heap (run it with {@code -Xmx256m}). s3proxy runs in a child JVM, so the figures are the
 * client's. Per transfer it reports:
 * <ul>
 *   <li>{@code sampled peak}: the highest {@code MemoryMXBean} heap used seen by a 2 ms sampler,
 *       garbage included;</li>
 *   <li>{@code pool peaks}: the sum of the heap pools' {@code getPeakUsage()} after a reset
 *       (an upper bound: pools peak at different moments);</li>
 *   <li>{@code live after GC}: the highest old-generation occupancy right after a collection
 *       ({@code getCollectionUsage()}), the closest figure to what the transfer keeps reachable.</li>
 * </ul>
 * Usage: {@code java -Xmx256m -cp benchmarks.jar dev.exstate.bench.s3.S3HeapProbe [sizeMiB] [rounds]}.
 */
public final class S3HeapProbe {
    private S3HeapProbe() {
    }

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 256;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        long size = mib << 20;
        System.out.printf(Locale.ROOT, "JVM max heap %d MiB, object %d MiB, part size %d MiB, rounds %d%n",
                Runtime.getRuntime().maxMemory() >> 20, mib, S3Benchmarks.PART_SIZE >> 20, rounds);
        try (S3ProxyProcess s3 = S3ProxyProcess.start();
             S3BlobStore store = S3BlobStore.connect(S3Options.builder()
                     .endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                     .bucket(S3ProxyProcess.BUCKET).partSize(S3Benchmarks.PART_SIZE).build());
             MinioClient minio = MinioClient.builder().endpoint(s3.endpoint().toString())
                     .credentials(s3.accessKey(), s3.secretKey()).region("us-east-1").build()) {
            byte[] buffer = new byte[64 * 1024];
            String key = "heap/" + mib + "m";
            System.out.println("| transfer | client | seconds | MiB/s | sampled peak MiB | pool peaks MiB | old gen after GC, before MiB | max old gen after GC, during MiB |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
            for (int round = 1; round <= rounds; round++) {
                // the last round is the one reported in the README; earlier ones warm the JIT
                String tag = round == rounds ? "" : " (warm-up)";
                measure("upload" + tag, "exstate", size, () ->
                        store.put(key + "-exstate", new GeneratedContent(size), size, PutOptions.defaults()));
                measure("upload" + tag, "raw MinIO", size, () ->
                        minio.putObject(PutObjectArgs.builder().bucket(S3ProxyProcess.BUCKET).object(key + "-raw")
                                .stream(new GeneratedContent(size), size, S3Benchmarks.PART_SIZE).build()));
                measure("download" + tag, "exstate", size, () -> {
                    try (Blob b = store.get(key + "-exstate").orElseThrow()) {
                        expect(GeneratedContent.drain(b.content(), buffer), size);
                    }
                });
                measure("download" + tag, "raw MinIO", size, () -> {
                    try (GetObjectResponse in = minio.getObject(GetObjectArgs.builder().bucket(S3ProxyProcess.BUCKET)
                            .object(key + "-exstate").build())) {
                        expect(GeneratedContent.drain(in, buffer), size);
                    }
                });
            }
        }
        System.exit(0);
    }

    interface Transfer {
        void run() throws Exception;
    }

    private static void expect(long read, long size) {
        if (read != size) {
            throw new IllegalStateException("read " + read + " bytes, expected " + size);
        }
    }

    private static void measure(String what, String client, long size, Transfer transfer) throws Exception {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        AtomicLong sampled = new AtomicLong();
        AtomicLong liveAfterGc = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = new Thread(() -> {
            var memory = ManagementFactory.getMemoryMXBean();
            while (!done.get()) {
                sampled.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                for (MemoryPoolMXBean p : heap) {
                    if (p.getName().contains("Old") && p.getCollectionUsage() != null) {
                        liveAfterGc.accumulateAndGet(p.getCollectionUsage().getUsed(), Math::max);
                    }
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        // collection usage cannot be reset: start from its value after the System.gc() above
        long baselineLive = heap.stream().filter(p -> p.getName().contains("Old") && p.getCollectionUsage() != null)
                .mapToLong(p -> p.getCollectionUsage().getUsed()).sum();
        liveAfterGc.set(baselineLive);
        sampler.start();
        long t0 = System.nanoTime();
        transfer.run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        done.set(true);
        sampler.join();
        long poolPeaks = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f |%n", what, client, seconds,
                (size >> 20) / seconds, sampled.get() / 1048576.0, poolPeaks / 1048576.0, baselineLive / 1048576.0,
                liveAfterGc.get() / 1048576.0);
    }
}
