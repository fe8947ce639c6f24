package dev.exstate.filesystem.internal;

import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.time.StateClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-key lock files, exclusive across processes and hosts. A lock is a file created with
 * {@code O_CREAT|O_EXCL} ({@link StandardOpenOption#CREATE_NEW}) holding its owner's pid, host, a
 * random nonce and the time; exactly one creator succeeds wherever exclusive create is atomic.
 *
 * <p>A lock left by a crashed writer is broken once this replica has seen the <em>same</em> lock
 * (same content) for {@code staleAfter} by its own monotonic clock, so no clocks of different
 * hosts are compared. Breaking and releasing are atomic: the lock is renamed to a unique name
 * (only one renamer can win) and then checked; a lock taken by mistake (a new holder's) is put
 * back with {@code link(2)}, which fails if yet another lock exists. A holder checks that its lock
 * is still in place just before it publishes. Not API.
 */
public final class KeyLocks {
    private static final Logger LOG = LoggerFactory.getLogger(KeyLocks.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_SEEN = 10_000;
    private static final long MAX_PAUSE_MILLIS = 50;

    private final GuardedIo io;
    private final StateClock clock;
    private final long staleAfterNanos;
    private final long waitNanos;
    private final String owner;
    /** The holder each busy lock had when this replica first saw it, and since when: survives calls, so waits add up. */
    private final ConcurrentHashMap<Path, Seen> seen = new ConcurrentHashMap<>();

    private record Seen(String holder, long sinceNanos) {
    }

    public KeyLocks(GuardedIo io, StateClock clock, Duration staleAfter, Duration wait) {
        this.io = io;
        this.clock = clock;
        this.staleAfterNanos = staleAfter.toNanos();
        this.waitNanos = wait.toNanos();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        this.owner = "pid=" + ProcessHandle.current().pid() + " host=" + host;
    }

    /** A held lock; release it in a {@code finally}. */
    public final class Held {
        private final Path path;
        private final String content;
        private final String key;

        private Held(Path path, String content, String key) {
            this.path = path;
            this.content = content;
            this.key = key;
        }

        /** True if the lock file is still this holder's (call inside a guarded body). */
        public boolean stillHeld() throws IOException {
            return content.equals(holder(path));
        }

        /** Removes the lock if it is still this holder's; a failure leaves it to be broken as stale. */
        public void release() {
            try {
                io.call("blob.unlock", true, key, () -> take(path, content));
            } catch (RuntimeException e) {
                LOG.warn("exstate filesystem: could not release the lock {} ({}); other replicas break it after the stale-lock timeout",
                        path, e.toString());
            }
        }
    }

    /**
     * Takes the lock at {@code path}, waiting while another holder has it.
     *
     * @param makeDirectory creates the lock's directory if it is missing
     * @throws StateTimeoutException if the lock stays held for the wait timeout
     */
    public Held acquire(Path path, String key, GuardedIo.Body<Void> makeDirectory) {
        String content = owner + " nonce=" + HexFormat.of().formatHex(nonce()) + " at=" + clock.now() + "\n";
        long start = clock.nanoTime();
        long pause = 1;
        while (true) {
            String holder = io.call("blob.lock", true, key, () -> tryCreate(path, content, makeDirectory));
            if (holder == null) {
                seen.remove(path);
                return new Held(path, content, key);
            }
            long now = clock.nanoTime();
            if (seen.size() > MAX_SEEN) {
                seen.clear();
            }
            Seen s = seen.compute(path, (p, old) -> old != null && old.holder.equals(holder) ? old : new Seen(holder, now));
            if (now - s.sinceNanos >= staleAfterNanos) {
                boolean broken = io.call("blob.lock.break", true, key, () -> take(path, holder));
                seen.remove(path, s);
                if (broken) {
                    LOG.warn("exstate filesystem: broke the lock of blob '{}' held for more than {} ms by [{}]: its writer is gone",
                            key, Duration.ofNanos(staleAfterNanos).toMillis(), holder.strip());
                }
                continue;
            }
            if (now - start >= waitNanos) {
                throw new StateTimeoutException(io.backend(), "blob.lock", Duration.ofNanos(now - start), "filesystem blob store: blob '"
                        + key + "' stayed locked for " + Duration.ofNanos(waitNanos).toMillis() + " ms by [" + holder.strip()
                        + "]: another replica is writing it, or a crashed one left the lock, which is broken after "
                        + Duration.ofNanos(staleAfterNanos).toMillis() + " ms (staleLockTimeout); nothing was written", null);
            }
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(pause / 2, pause + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StateUnavailableException(io.backend(), "blob.lock", Duration.ofNanos(clock.nanoTime() - start),
                        "the calling thread was interrupted while waiting for the lock of blob '" + key + "'; nothing was written", e);
            }
            pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
        }
    }

    /** Creates the lock file; null if this call (or an earlier attempt of it) owns it, else the current holder. */
    private static String tryCreate(Path path, String content, GuardedIo.Body<Void> makeDirectory) throws IOException {
        for (int i = 0; i < 3; i++) {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                BlobFile.writeFully(ch, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
                return null;
            } catch (NoSuchFileException e) {
                makeDirectory.run();
            } catch (FileAlreadyExistsException e) {
                String holder = holder(path);
                if (holder == null) {
                    continue; // released in between: try again at once
                }
                // an attempt the guard gave up on may have created it already
                return holder.equals(content) ? null : holder;
            }
        }
        return "(a lock that keeps changing)";
    }

    /**
     * The lock's content, or null if there is none. A lock file still empty (its creator has not
     * written yet, or crashed in between) is told apart by its file identity and modification time.
     */
    static String holder(Path path) throws IOException {
        try {
            byte[] bytes = Files.readAllBytes(path);
            if (bytes.length > 0) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return "(empty lock file " + a.fileKey() + " modified " + a.lastModifiedTime() + ")";
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Removes the lock at {@code path} if it is {@code expected}'s: renames it to a unique name
     * (one renamer wins), checks what it took, and puts back a lock that was not the expected one.
     */
    static boolean take(Path path, String expected) throws IOException {
        Path taken = path.resolveSibling(path.getFileName() + "." + HexFormat.of().formatHex(nonce()) + ".taken");
        try {
            Files.move(path, taken, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return false;
        }
        try {
            if (expected.equals(holder(taken))) {
                return true;
            }
            try {
                Files.createLink(path, taken);
            } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
                // a newer lock exists: its holder's check before publishing finds the one it lost
            }
            return false;
        } finally {
            Files.deleteIfExists(taken);
        }
    }

    private static byte[] nonce() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return b;
    }
}
