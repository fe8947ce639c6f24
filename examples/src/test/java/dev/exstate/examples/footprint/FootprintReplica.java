package dev.exstate.examples.footprint;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.exstate.examples.ShopServer;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * One shop replica for {@link Footprint}: {@link ShopServer#main} in this JVM, plus a sampler that
 * writes what only the JVM itself can see to the file named by system property
 * {@value #SAMPLES_PROPERTY}: every 100 ms a line
 * {@code S <epoch ms> <heap used> <heap committed> <non-heap used> <non-heap committed> <live threads> <peak threads>}
 * (bytes), and per garbage collection a line
 * {@code G <epoch ms> <duration ms> <heap used before> <heap used after> <collector>}. The heap
 * used before a collection is the true peak between samples. The sampler is one daemon thread
 * that allocates a few hundred bytes per sample.
 */
public final class FootprintReplica {
    public static final String SAMPLES_PROPERTY = "footprint.samples";
    static final long SAMPLE_EVERY_MS = 100;

    private FootprintReplica() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(System.getProperty(SAMPLES_PROPERTY));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND), false);
        listenToCollections(out);
        Thread sampler = new Thread(() -> sample(out), "footprint-sampler");
        sampler.setDaemon(true);
        sampler.start();
        ShopServer.main(args);
    }

    private static void sample(PrintWriter out) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long next = System.currentTimeMillis();
        while (true) {
            MemoryUsage heap = memory.getHeapMemoryUsage();
            MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
            String line = "S " + System.currentTimeMillis() + " " + heap.getUsed() + " " + heap.getCommitted() + " "
                    + nonHeap.getUsed() + " " + nonHeap.getCommitted() + " " + threads.getThreadCount() + " "
                    + threads.getPeakThreadCount();
            synchronized (out) {
                out.println(line);
                out.flush();
            }
            next += SAMPLE_EVERY_MS;
            long wait = next - System.currentTimeMillis();
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.currentTimeMillis();
            }
        }
    }

    private static void listenToCollections(PrintWriter out) {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((n, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                    return;
                }
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long before = heapUsed(info.getGcInfo().getMemoryUsageBeforeGc());
                long after = heapUsed(info.getGcInfo().getMemoryUsageAfterGc());
                String line = "G " + System.currentTimeMillis() + " " + info.getGcInfo().getDuration() + " " + before + " "
                        + after + " " + info.getGcName().replace(' ', '_');
                synchronized (out) {
                    out.println(line);
                    out.flush();
                }
            }, null, null);
        }
    }

    /** Heap used in a per-pool map: every pool but the non-heap ones (code cache, metaspace). */
    private static long heapUsed(java.util.Map<String, MemoryUsage> pools) {
        long sum = 0;
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                MemoryUsage u = pools.get(pool.getName());
                if (u != null) {
                    sum += u.getUsed();
                }
            }
        }
        return sum;
    }
}
