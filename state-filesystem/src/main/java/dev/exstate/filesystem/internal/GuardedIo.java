package dev.exstate.filesystem.internal;

import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.time.Duration;

/**
 * The one way the store touches the file system: every call runs through the {@link Guard} (a
 * deadline per attempt, so a hung NFS mount blocks a guard thread, not the caller, beyond the
 * policy; breaker; bulkhead), and every {@link IOException} is translated into an error that says
 * what failed and what to do. A full disk, a read-only or vanished mount are backend failures; a
 * foreign file where a blob should be is {@link StateDataException} and refused permissions are
 * {@link StateAccessDeniedException}, neither counted as an outage. Not API.
 */
public final class GuardedIo {
    private final Guard guard;

    public GuardedIo(Guard guard) {
        this.guard = guard;
    }

    /** A body of file-system calls. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws IOException;
    }

    public String backend() {
        return guard.backend();
    }

    /** Runs {@code body} under the guard; {@code key} (or null) is named in errors. */
    public <T> T call(String operation, boolean idempotent, String key, Body<T> body) {
        Operation op = idempotent ? Operation.idempotent(operation) : Operation.nonIdempotent(operation);
        return guard.call(op, () -> {
            try {
                return body.run();
            } catch (IOException e) {
                throw translate(operation, key, e);
            }
        });
    }

    RuntimeException translate(String operation, String key, IOException e) {
        String what = "filesystem blob store: " + operation + (key == null ? "" : " of '" + key + "'");
        if (e instanceof BlobFile.Corrupt) {
            return new StateDataException(backend(), operation, Duration.ZERO, what + ": " + e.getMessage(), e);
        }
        if (e instanceof AccessDeniedException denied) {
            return new StateAccessDeniedException(backend(), operation, what + ": permission denied on " + denied.getFile()
                    + "; give the user this replica runs as read and write access to the store's root", e);
        }
        String file = e instanceof FileSystemException f && f.getFile() != null ? " on " + f.getFile() : "";
        String reason = e instanceof FileSystemException f ? (f.getReason() != null ? f.getReason() : "")
                : String.valueOf(e.getMessage());
        if (reason.contains("symbolic links")) {
            // ELOOP from O_NOFOLLOW: a symbolic link where a blob file should be (the JDK reports it as a plain IOException)
            return new StateDataException(backend(), operation, Duration.ZERO, what + file
                    + ": a symbolic link is where the blob file should be; the store never follows one: remove it", e);
        }
        String hint;
        if (reason.contains("No space left")) {
            hint = "the volume is full: free space or grow the volume; nothing was published";
        } else if (reason.contains("quota")) {
            hint = "the disk quota is exhausted: raise it or free space; nothing was published";
        } else if (reason.contains("Read-only")) {
            hint = "the volume is mounted read-only: mount it read-write";
        } else if (reason.contains("cross-device")) {
            hint = "tmp/ and blobs/ under the root are on different file systems (a mount inside the root?): mount the volume at the root or above it";
        } else if (reason.contains("Stale file handle")) {
            hint = "another host replaced or removed the file while it was in use (NFS): read it again";
        } else {
            hint = "check that the volume is mounted and healthy";
        }
        return new UncheckedIOException(what + " failed" + file + ": " + e.getClass().getSimpleName()
                + (reason.isEmpty() ? "" : ": " + reason) + "; " + hint, e);
    }
}
