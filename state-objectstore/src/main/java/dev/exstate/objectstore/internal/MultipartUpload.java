package dev.exstate.objectstore.internal;

import io.minio.messages.Part;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One multipart upload under way, for an {@link Upload}'s put or copy: its parts are sent with at
 * most {@code partsInFlight} at once, each its own guarded call, and the first failure is thrown
 * as soon as it is seen; on any failure the caller {@linkplain #abort aborts}, so the object never
 * appears half written. Completion is the caller's (it carries the put's condition). Used by one
 * thread. Not API.
 */
final class MultipartUpload {
    private static final Logger LOG = LoggerFactory.getLogger(MultipartUpload.class);

    private final S3Calls calls;
    private final String key;
    private final String uploadId;
    private final int partsInFlight;
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private final List<Part> parts = new ArrayList<>();

    private record InFlight(int partNumber, CompletableFuture<String> etag) {
    }

    private MultipartUpload(S3Calls calls, String key, String uploadId, int partsInFlight) {
        this.calls = calls;
        this.key = key;
        this.uploadId = uploadId;
        this.partsInFlight = partsInFlight;
    }

    /** Creates the upload on the server: one guarded call, not retried (a retry would leave a second upload behind). */
    static MultipartUpload create(S3Calls calls, String operation, String key, Map<String, String> headers, int partsInFlight) {
        String uploadId = calls.await(operation, false, key, () -> calls.client().createMultipartUpload(key, headers));
        return new MultipartUpload(calls, key, uploadId, partsInFlight);
    }

    String uploadId() {
        return uploadId;
    }

    /**
     * Starts sending a part once fewer than {@code partsInFlight} are in flight, waiting for the
     * oldest ones first. Throws the failure of any part already seen to fail.
     *
     * @param send starts the part's guarded call; its future yields the part's ETag
     */
    void send(int partNumber, Supplier<CompletableFuture<String>> send) {
        while (inFlight.size() >= partsInFlight) {
            parts.add(finish(inFlight.pollFirst()));
        }
        for (InFlight f : inFlight) {
            if (f.etag().isCompletedExceptionally()) {
                finish(f); // throws the part's failure
            }
        }
        inFlight.add(new InFlight(partNumber, send.get()));
    }

    /** Waits for every part still in flight; the parts in order, ready for completion. */
    List<Part> awaitParts() {
        while (!inFlight.isEmpty()) {
            parts.add(finish(inFlight.pollFirst()));
        }
        return List.copyOf(parts);
    }

    /**
     * Lets parts still in flight end (each is bounded by the guard), so that the abort is the
     * last word, then aborts the upload; a failure to abort is added to {@code cause} and logged.
     */
    void abort(Throwable cause) {
        settle();
        boolean interrupted = Thread.interrupted();
        try {
            calls.await("blob.put.abort", true, key, () -> calls.client().abortMultipartUpload(key, uploadId)
                    .exceptionallyCompose(e -> S3Errors.is(e, "NoSuchUpload")
                            ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e)));
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            LOG.warn("exstate s3: could not abort the multipart upload of '{}' after a failed write ({}); its parts stay"
                    + " stored (never visible under the key) until a lifecycle rule AbortIncompleteMultipartUpload removes them",
                    key, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Part finish(InFlight part) {
        try {
            return new Part(part.partNumber(), Checksums.unquote(part.etag().get()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("upload interrupted while part " + part.partNumber() + " was being sent; nothing was written", e);
        } catch (ExecutionException e) {
            throw S3Calls.rethrowable(e);
        }
    }

    private void settle() {
        if (inFlight.isEmpty()) {
            return;
        }
        Duration bound = calls.guard().policy().totalTimeout().plusSeconds(1);
        try {
            CompletableFuture.allOf(inFlight.stream().map(InFlight::etag).toArray(CompletableFuture[]::new))
                    .get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ignored) {
            // their outcome does not matter any more: the upload is aborted next
        }
    }
}
