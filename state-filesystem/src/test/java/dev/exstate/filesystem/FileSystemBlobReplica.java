package dev.exstate.filesystem;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.PutOptions;
import dev.exstate.filesystem.internal.GuardedIo;
import dev.exstate.filesystem.internal.KeyLocks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * One replica process of {@link FileSystemBlobMultiProcessIT}: opens a store on the shared root
 * given as first argument, prints {@code READY}, waits for the file {@code go} in the root, runs
 * its mode and prints its figures, one {@code NAME value} line each, then {@code DONE}.
 *
 * <p>Modes: {@code race <keys> p<n> <processes>} (ifAbsent on race/k-i, all processes meeting at each key), {@code count <increments>} (ifMatch
 * increments of one counter, retried on conflict), {@code overwrite <puts> <tag>} (unconditional
 * self-describing puts), {@code read} (reads until the file {@code stop} appears, checking each
 * blob is whole), {@code hold-lock <key>} (takes the key's lock as a writer does and never lets go),
 * {@code slow-put <key>} (streams 1 MiB of a put, then stalls).
 */
public final class FileSystemBlobReplica {
    private FileSystemBlobReplica() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String mode = args[1];
        try (FileSystemBlobStore store = FileSystemBlobStore.open(FileSystemOptions.builder(root)
                .staleLockTimeout(Duration.ofSeconds(2)).lockWaitTimeout(Duration.ofMinutes(2)).build())) {
            say("READY");
            while (!Files.exists(root.resolve("go"))) {
                Thread.sleep(1);
            }
            switch (mode) {
                case "race" -> race(store, root, Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4]));
                case "count" -> count(store, Integer.parseInt(args[2]));
                case "overwrite" -> overwrite(store, Integer.parseInt(args[2]), args[3]);
                case "read" -> read(store, root);
                case "hold-lock" -> holdLock(store, args[2]);
                case "slow-put" -> slowPut(store, args[2]);
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            }
        }
        say("DONE");
    }

    /** Before each key, waits until all {@code processes} have arrived at it, so every key is contested at one moment. */
    private static void race(FileSystemBlobStore store, Path root, int keys, String tag, int processes) throws Exception {
        Path arrivals = Files.createDirectories(root.resolve("arrivals"));
        int wins = 0;
        for (int i = 0; i < keys; i++) {
            Files.createFile(arrivals.resolve(i + "-" + tag));
            for (int p = 0; p < processes; p++) {
                while (!Files.exists(arrivals.resolve(i + "-p" + p))) {
                    Thread.onSpinWait();
                }
            }
            try {
                store.put("race/k-" + i, tag.getBytes(StandardCharsets.UTF_8), PutOptions.ifAbsent());
                say("WIN " + i);
                wins++;
            } catch (BlobPreconditionFailedException lost) {
                // another replica created it first
            }
        }
        say("WINS " + wins);
    }

    private static void count(FileSystemBlobStore store, int increments) {
        int done = 0;
        int conflicts = 0;
        while (done < increments) {
            Optional<Blob> current = store.get("counter");
            long value;
            String etag;
            try (Blob blob = current.orElseThrow()) {
                value = Long.parseLong(new String(blob.readAllBytes(), StandardCharsets.UTF_8));
                etag = blob.info().etag();
            }
            try {
                store.put("counter", Long.toString(value + 1).getBytes(StandardCharsets.UTF_8), PutOptions.ifMatch(etag));
                done++;
            } catch (BlobPreconditionFailedException conflict) {
                conflicts++;
            }
        }
        say("INCREMENTS " + done);
        say("CONFLICTS " + conflicts);
    }

    /** A blob is {@code <tag> <seq> <length>\n} followed by filler up to length bytes, all derived from the header. */
    static byte[] selfDescribing(String tag, int seq, int length) {
        byte[] header = (tag + " " + seq + " " + length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[length];
        System.arraycopy(header, 0, out, 0, header.length);
        for (int i = header.length; i < length; i++) {
            out[i] = (byte) ('a' + (seq + i) % 26);
        }
        return out;
    }

    /** True if {@code content} is exactly one blob {@link #selfDescribing} makes. */
    static boolean whole(byte[] content) {
        int nl = -1;
        for (int i = 0; i < Math.min(content.length, 200); i++) {
            if (content[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            return false;
        }
        String[] h = new String(content, 0, nl, StandardCharsets.US_ASCII).split(" ");
        if (h.length != 3) {
            return false;
        }
        int length = Integer.parseInt(h[2]);
        return length == content.length
                && java.util.Arrays.equals(content, selfDescribing(h[0], Integer.parseInt(h[1]), length));
    }

    private static void overwrite(FileSystemBlobStore store, int puts, String tag) {
        SplittableRandom random = new SplittableRandom(tag.hashCode());
        for (int i = 0; i < puts; i++) {
            store.put("over", selfDescribing(tag, i, 1000 + random.nextInt(300_000)));
        }
        say("PUTS " + puts);
    }

    private static void read(FileSystemBlobStore store, Path root) {
        int reads = 0;
        int broken = 0;
        while (!Files.exists(root.resolve("stop"))) {
            Optional<Blob> found = store.get("over");
            if (found.isEmpty()) {
                continue;
            }
            try (Blob blob = found.get()) {
                byte[] content = blob.readAllBytes();
                reads++;
                if (!whole(content) || content.length != blob.info().size()) {
                    broken++;
                }
            }
        }
        say("READS " + reads);
        say("BROKEN " + broken);
    }

    private static void holdLock(FileSystemBlobStore store, String key) throws InterruptedException {
        // the lock a writer takes for its publish, taken by the same code, then never released
        KeyLocks locks = new KeyLocks(new GuardedIo(store.guard()), store.options().clock(), Duration.ofSeconds(2),
                Duration.ofSeconds(10));
        Path dir = dev.exstate.filesystem.internal.KeyPaths.directory(store.options().root().resolve("blobs"), key);
        locks.acquire(dir.resolve(dev.exstate.filesystem.internal.KeyPaths.name(dev.exstate.filesystem.internal.KeyPaths.lastSegment(key)) + ".lock"), key, () -> null);
        say("LOCKED");
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void slowPut(FileSystemBlobStore store, String key) {
        InputStream stalling = new InputStream() {
            private long sent;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0];
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (sent >= 1024 * 1024) {
                    say("STREAMING");
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return -1;
                }
                int n = (int) Math.min(len, 1024 * 1024 - sent);
                java.util.Arrays.fill(b, off, off + n, (byte) 'n');
                sent += n;
                return n;
            }
        };
        BlobInfo never = store.put(key, stalling, 2 * 1024 * 1024, PutOptions.defaults());
        say("UNEXPECTED " + never);
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
