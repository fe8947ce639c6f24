package dev.exstate.objectstore.internal;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.PutOptions;
import dev.exstate.objectstore.BlobIntegrityException;
import dev.exstate.objectstore.S3Options;
import io.minio.ObjectWriteResponse;
import io.minio.StatObjectResponse;
import io.minio.messages.Part;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one object from a stream in bounded memory. Not API.
 *
 * <p>Content up to one part is sent in a single PUT from one buffer. Longer content goes
 * through a multipart upload: parts are read into a ring of {@code partsInFlight + 1} buffers of
 * {@code partSize}, at most {@code partsInFlight} are sent at once, each part is its own guarded
 * call (its own deadline; retried, since re-sending a buffered part is idempotent), and the
 * object appears under its key only when the upload is completed. On any failure the upload is
 * aborted, so no partial object is ever visible.
 *
 * <p>Integrity: the MinIO client sends each request's Content-MD5 (and, over plain HTTP, the
 * signed SHA-256 of the payload), which the server checks before storing anything; the ETag the
 * server returns is compared with the MD5 (or multipart ETag) computed here. The whole content's
 * SHA-256 is computed as it streams by.
 *
 * <p>Idempotent retries of conditional writes: every write carries a random write id in its
 * metadata. When a retried attempt meets "precondition failed" (or "no such upload" on
 * completion), the object is looked up: if it carries this write id, the lost first attempt
 * landed and the put succeeded.
 */
public final class Upload {
    private static final Logger LOG = LoggerFactory.getLogger(Upload.class);
    private static final int FIRST_READ_BYTES = 64 * 1024;

    private final S3Calls calls;
    private final int partSize;
    private final int partsInFlight;

    public Upload(S3Calls calls, S3Options options) {
        this.calls = calls;
        this.partSize = options.partSize();
        this.partsInFlight = options.partsInFlight();
    }

    /** What was written, and the SHA-256 of the whole content. */
    public record Result(BlobInfo info, byte[] sha256) {
    }

    /** The content being uploaded: a stream with a declared (or unknown, -1) length, read part by part. */
    public final class Source {
        private final String key;
        private final InputStream in;
        private final long declared;
        private final MessageDigest sha = Checksums.sha256();
        private long total;
        private boolean eof;
        private byte[] first;
        private int firstLength;

        private Source(String key, InputStream in, long declared) {
            this.key = key;
            this.in = in;
            this.declared = declared;
        }

        /**
         * Reads the first part: the whole content if it fits in one part. After this,
         * {@link #fitsOnePart()} tells whether it did.
         */
        public void readFirst() {
            if (first != null) {
                return;
            }
            if (declared >= 0 && declared <= partSize) {
                first = new byte[(int) declared];
                firstLength = fill(first, (int) declared);
                checkEnd();
                return;
            }
            if (declared > partSize) {
                first = new byte[partSize];
                firstLength = fill(first, partSize);
                return;
            }
            // unknown length: grow the buffer as content arrives, so small content costs little heap
            byte[] buf = new byte[Math.min(FIRST_READ_BYTES, partSize)];
            int n = 0;
            while (true) {
                n += fill(buf, n, buf.length - n);
                if (eof || buf.length == partSize) {
                    break;
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, partSize));
            }
            first = buf;
            firstLength = n;
        }

        /** Whether the first part holds the whole content (decided once; may read one byte ahead). */
        public boolean fitsOnePart() {
            if (fitsOnePart == null) {
                fitsOnePart = decideFitsOnePart();
            }
            return fitsOnePart;
        }

        private Boolean fitsOnePart;

        private boolean decideFitsOnePart() {
            readFirst();
            if (declared >= 0) {
                return declared <= partSize;
            }
            if (eof) {
                return true;
            }
            // a full first part of unknown-length content: only the next read can tell
            int b = read1();
            if (b == -1) {
                return true;
            }
            pushedBack = b;
            return false;
        }

        public byte[] firstBytes() {
            return first;
        }

        public int firstLength() {
            return firstLength;
        }

        /** SHA-256 of the whole content; call once all of it was read (the first call fixes the value). */
        public byte[] sha256() {
            if (shaResult == null) {
                shaResult = sha.digest();
            }
            return shaResult.clone();
        }

        private byte[] shaResult;

        private int pushedBack = -1;

        private int read1() {
            try {
                int b = in.read();
                if (b == -1) {
                    eof = true;
                }
                return b;
            } catch (IOException e) {
                throw readFailed(e);
            }
        }

        private int fill(byte[] buf, int max) {
            return fill(buf, 0, max);
        }

        /** Reads up to {@code max} bytes into {@code buf[off..]}, stopping early only at end of stream. */
        private int fill(byte[] buf, int off, int max) {
            if (declared >= 0) {
                max = (int) Math.min(max, declared - total);
            }
            int n = 0;
            if (pushedBack >= 0 && max > 0) {
                buf[off] = (byte) pushedBack;
                pushedBack = -1;
                n = 1;
            }
            try {
                while (n < max) {
                    int r = in.read(buf, off + n, max - n);
                    if (r == -1) {
                        eof = true;
                        break;
                    }
                    n += r;
                }
            } catch (IOException e) {
                throw readFailed(e);
            }
            sha.update(buf, off, n);
            total += n;
            if (declared >= 0 && eof && total < declared) {
                throw new IllegalArgumentException("put of blob '" + key + "': the stream ended after " + total
                        + " bytes, but the declared length is " + declared + "; nothing was written");
            }
            return n;
        }

        /** Whether all the content was read (for a declared length: all of it, and nothing more follows). */
        private boolean done() {
            if (declared >= 0) {
                if (total < declared) {
                    return false;
                }
                checkEnd();
                return true;
            }
            return eof && pushedBack < 0;
        }

        private void checkEnd() {
            if (total < declared) {
                throw new IllegalArgumentException("put of blob '" + key + "': the stream ended after " + total
                        + " bytes, but the declared length is " + declared + "; nothing was written");
            }
            if (!eof && read1() != -1) {
                throw new IllegalArgumentException("put of blob '" + key + "': the stream has more than the declared "
                        + declared + " bytes; nothing was written");
            }
        }

        private UncheckedIOException readFailed(IOException e) {
            return new UncheckedIOException("put of blob '" + key + "': reading the content failed after " + total
                    + " bytes; nothing was written", e);
        }
    }

    public Source open(String key, InputStream in, long length) {
        return new Source(key, in, length);
    }

    /**
     * Writes {@code source} under {@code key}.
     *
     * @param user      the user's metadata (validated, lower-case keys)
     * @param own       the store's own metadata to add ({@link ObjectMeta} keys)
     * @param condition the put's condition, checked by the server (and, for multipart uploads,
     *                  also just before creating and completing the upload)
     */
    public Result put(String key, Source source, String contentType, Map<String, String> user, Map<String, String> own,
                      PutOptions.Condition condition) {
        String writeId = UUID.randomUUID().toString();
        if (source.fitsOnePart()) {
            return putSingle(key, source, contentType, user, own, condition, writeId);
        }
        return putMultipart(key, source, contentType, user, own, condition, writeId);
    }

    private Result putSingle(String key, Source source, String contentType, Map<String, String> user, Map<String, String> own,
                             PutOptions.Condition condition, String writeId) {
        byte[] data = source.firstBytes();
        int length = source.firstLength();
        byte[] sha = source.sha256();
        String md5 = Checksums.hex(Checksums.md5(data, length));
        Map<String, String> ownAll = new LinkedHashMap<>(ObjectMeta.withExactContentType(own, contentType));
        ownAll.put(ObjectMeta.SHA256, Checksums.hex(sha));
        ownAll.put(ObjectMeta.WRITE_ID, writeId);
        Map<String, String> headers = new LinkedHashMap<>(ObjectMeta.headers(contentType, user, ownAll));
        headers.putAll(conditionHeaders(condition));
        AtomicInteger attempts = new AtomicInteger();
        Written w = calls.await("blob.put", true, key, () -> {
            int attempt = attempts.incrementAndGet();
            return calls.client().put(key, data, length, headers)
                    .thenApply(Upload::written)
                    .exceptionallyCompose(e -> attempt > 1 && hasCondition(condition)
                            && (S3Errors.isPreconditionFailed(e) || S3Errors.isNoSuchKey(e))
                            ? confirmOurs(key, writeId, conditionFailure(e, condition, key))
                            : CompletableFuture.failedFuture(conditionFailure(e, condition, key)));
        });
        if (Checksums.isMd5Etag(w.etag()) && !Checksums.sameEtag(w.etag(), md5)) {
            throw new BlobIntegrityException("put of blob '" + key + "': the server reports ETag " + w.etag()
                    + " but the content sent has MD5 " + md5 + "; the stored object may be corrupt, write it again");
        }
        return new Result(new BlobInfo(key, length, Checksums.quote(w.etag()), ObjectMeta.responseTime(w.headers()),
                contentType, user), sha);
    }

    private record InFlight(int partNumber, CompletableFuture<String> etag) {
    }

    private Result putMultipart(String key, Source source, String contentType, Map<String, String> user, Map<String, String> own,
                                PutOptions.Condition condition, String writeId) {
        if (source.declared > (long) partSize * S3Options.MAX_PARTS) {
            throw new IllegalArgumentException("put of blob '" + key + "': " + source.declared + " bytes need more than "
                    + S3Options.MAX_PARTS + " parts of " + partSize + " bytes; raise S3Options.partSize");
        }
        if (hasCondition(condition)) {
            // fail before sending gigabytes for nothing
            checkCondition(key, condition);
        }
        Map<String, String> ownAll = new LinkedHashMap<>(ObjectMeta.withExactContentType(own, contentType));
        ownAll.put(ObjectMeta.PART_SIZE, Integer.toString(partSize));
        ownAll.put(ObjectMeta.WRITE_ID, writeId);
        Map<String, String> createHeaders = ObjectMeta.headers(contentType, user, ownAll);
        String uploadId = calls.await("blob.put.create-multipart", false, key,
                () -> calls.client().createMultipartUpload(key, createHeaders));
        Deque<InFlight> inFlight = new ArrayDeque<>();
        try {
            List<Part> parts = new ArrayList<>();
            Checksums.MultipartEtag expected = new Checksums.MultipartEtag();
            byte[][] ring = new byte[partsInFlight + 1][];
            ring[0] = source.firstBytes();
            int length = source.firstLength();
            int partNumber = 1;
            while (true) {
                byte[] buf = ring[(partNumber - 1) % ring.length];
                if (partNumber > 1) {
                    if (buf == null) {
                        buf = new byte[partSize];
                        ring[(partNumber - 1) % ring.length] = buf;
                    }
                    length = source.fill(buf, partSize);
                }
                if (length == 0 && partNumber > 1) {
                    break; // the content ended exactly at a part boundary
                }
                if (partNumber > S3Options.MAX_PARTS) {
                    throw new IllegalArgumentException("put of blob '" + key + "': the content needs more than "
                            + S3Options.MAX_PARTS + " parts of " + partSize + " bytes; raise S3Options.partSize");
                }
                byte[] md5 = Checksums.md5(buf, length);
                expected.addPart(md5);
                String md5Hex = Checksums.hex(md5);
                while (inFlight.size() >= partsInFlight) {
                    parts.add(finish(inFlight.pollFirst()));
                }
                failFastIfAnyFailed(inFlight);
                inFlight.add(new InFlight(partNumber, sendPart(key, uploadId, partNumber, buf, length, md5Hex)));
                if (length < partSize || source.done()) {
                    break;
                }
                partNumber++;
            }
            while (!inFlight.isEmpty()) {
                parts.add(finish(inFlight.pollFirst()));
            }
            if (!source.done()) {
                throw new IllegalStateException("put of blob '" + key + "': content left unread"); // cannot happen
            }
            byte[] sha = source.sha256();
            if (hasCondition(condition)) {
                // servers that ignore conditions on completion (s3proxy 3.0) at least get a late check
                checkCondition(key, condition);
            }
            String expectedEtag = expected.finish();
            Written w = complete(key, uploadId, parts, condition, writeId);
            if (Checksums.isMultipartEtag(w.etag()) && !Checksums.sameEtag(w.etag(), expectedEtag)) {
                throw new BlobIntegrityException("put of blob '" + key + "': the server reports ETag " + w.etag()
                        + " but the parts sent make " + expectedEtag + "; the stored object may be corrupt, write it again");
            }
            return new Result(new BlobInfo(key, source.total, Checksums.quote(w.etag()), ObjectMeta.responseTime(w.headers()),
                    contentType, user), sha);
        } catch (RuntimeException | Error e) {
            settle(inFlight);
            abort(key, uploadId, e);
            throw e;
        }
    }

    /**
     * Copies {@code sourceKey} ({@code size} bytes, more than one part) to {@code targetKey} on the
     * server, part by part ({@code partSize} ranges, each its own guarded and retried call), with
     * new metadata. The target appears only when the copy completes.
     */
    public BlobInfo copy(String sourceKey, long size, String targetKey, String contentType, Map<String, String> user,
                         Map<String, String> own) {
        String writeId = UUID.randomUUID().toString();
        Map<String, String> ownAll = new LinkedHashMap<>(ObjectMeta.withExactContentType(own, contentType));
        ownAll.put(ObjectMeta.PART_SIZE, Integer.toString(partSize));
        ownAll.put(ObjectMeta.WRITE_ID, writeId);
        Map<String, String> createHeaders = ObjectMeta.headers(contentType, user, ownAll);
        String uploadId = calls.await("blob.copy.create-multipart", false, targetKey,
                () -> calls.client().createMultipartUpload(targetKey, createHeaders));
        Deque<InFlight> inFlight = new ArrayDeque<>();
        try {
            List<Part> parts = new ArrayList<>();
            int count = (int) ((size + partSize - 1) / partSize);
            for (int i = 0; i < count; i++) {
                int partNumber = i + 1;
                long first = (long) i * partSize;
                long last = Math.min(size, first + partSize) - 1;
                while (inFlight.size() >= partsInFlight) {
                    parts.add(finish(inFlight.pollFirst()));
                }
                inFlight.add(new InFlight(partNumber, calls.async("blob.copy.part", true, targetKey,
                        () -> calls.client().uploadPartCopy(targetKey, uploadId, partNumber, sourceKey, first, last))));
            }
            while (!inFlight.isEmpty()) {
                parts.add(finish(inFlight.pollFirst()));
            }
            Written w = complete(targetKey, uploadId, parts, PutOptions.Condition.NONE, writeId);
            return new BlobInfo(targetKey, size, Checksums.quote(w.etag()), ObjectMeta.responseTime(w.headers()), contentType, user);
        } catch (RuntimeException | Error e) {
            settle(inFlight);
            abort(targetKey, uploadId, e);
            throw e;
        }
    }

    private CompletableFuture<String> sendPart(String key, String uploadId, int partNumber, byte[] buf, int length, String md5Hex) {
        return calls.async("blob.put.part", true, key, () -> calls.client().uploadPart(key, uploadId, partNumber, buf, length))
                .thenApply(etag -> {
                    if (Checksums.isMd5Etag(etag) && !Checksums.sameEtag(etag, md5Hex)) {
                        throw new BlobIntegrityException("put of blob '" + key + "': the server reports ETag " + etag + " for part "
                                + partNumber + " but the part sent has MD5 " + md5Hex + "; nothing was written");
                    }
                    return etag;
                });
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

    private void failFastIfAnyFailed(Deque<InFlight> inFlight) {
        for (InFlight f : inFlight) {
            if (f.etag().isCompletedExceptionally()) {
                finish(f); // throws the part's failure
            }
        }
    }

    /** Lets parts still in flight end (each is bounded by the guard), so that the abort is the last word. */
    private void settle(Deque<InFlight> inFlight) {
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

    private Written complete(String key, String uploadId, List<Part> parts, PutOptions.Condition condition, String writeId) {
        Map<String, String> headers = conditionHeaders(condition);
        AtomicInteger attempts = new AtomicInteger();
        return calls.await("blob.put.complete", true, key, () -> {
            int attempt = attempts.incrementAndGet();
            return calls.client().completeMultipartUpload(key, uploadId, parts, headers)
                    .thenApply(Upload::written)
                    // a retry after a lost reply finds the upload gone or the key taken: by us?
                    .exceptionallyCompose(e -> attempt > 1 && (S3Errors.is(e, "NoSuchUpload") || S3Errors.is(e, "InvalidPart")
                            || S3Errors.isNoSuchKey(e) || S3Errors.isPreconditionFailed(e))
                            ? confirmOurs(key, writeId, conditionFailure(e, condition, key))
                            : CompletableFuture.failedFuture(conditionFailure(e, condition, key)));
        });
    }

    private void abort(String key, String uploadId, Throwable cause) {
        boolean interrupted = Thread.interrupted();
        try {
            calls.await("blob.put.abort", true, key, () -> calls.client().abortMultipartUpload(key, uploadId)
                    .exceptionallyCompose(e -> S3Errors.is(e, "NoSuchUpload")
                            ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e)));
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            LOG.warn("exstate s3: could not abort the multipart upload of '{}' after a failed put ({}); its parts stay"
                    + " stored (never visible under the key) until a lifecycle rule AbortIncompleteMultipartUpload removes them",
                    key, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Fails with {@link BlobPreconditionFailedException} unless {@code condition} holds now.
     * Racy on its own; the server's check at write time is what makes a condition safe.
     */
    public void checkCondition(String key, PutOptions.Condition condition) {
        Optional<StatObjectResponse> current = calls.await("blob.put.check", true, key, () -> calls.client().stat(key)
                .thenApply(Optional::of)
                .exceptionallyCompose(e -> S3Errors.isNoSuchKey(e)
                        ? CompletableFuture.completedFuture(Optional.empty()) : CompletableFuture.failedFuture(e)));
        if (condition.ifAbsent() && current.isPresent()) {
            throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifAbsent: the key already exists; nothing was written");
        }
        if (condition.ifMatchEtag() != null) {
            if (current.isEmpty()) {
                throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifMatch: no blob has this key; nothing was written");
            }
            if (!Checksums.sameEtag(current.get().etag(), condition.ifMatchEtag())) {
                throw new BlobPreconditionFailedException("put of blob '" + key + "' with ifMatch: the blob changed (etag "
                        + Checksums.quote(current.get().etag()) + ", expected " + Checksums.quote(condition.ifMatchEtag())
                        + "); nothing was written");
            }
        }
    }

    private CompletableFuture<Written> confirmOurs(String key, String writeId, Throwable original) {
        return calls.client().stat(key).handle((st, e) -> {
            if (st != null && writeId.equals(ObjectMeta.all(st.headers()).get(ObjectMeta.WRITE_ID))) {
                return CompletableFuture.completedFuture(new Written(st.etag(), st.headers()));
            }
            return CompletableFuture.<Written>failedFuture(original);
        }).thenCompose(x -> x);
    }

    /** S3 answers If-Match on a missing key with 404 NoSuchKey: for a put, that is a failed condition. */
    private static Throwable conditionFailure(Throwable e, PutOptions.Condition condition, String key) {
        if (condition.ifMatchEtag() != null && S3Errors.isNoSuchKey(e)) {
            return new BlobPreconditionFailedException("put of blob '" + key + "' with ifMatch: no blob has this key; nothing was written");
        }
        return e;
    }

    private static boolean hasCondition(PutOptions.Condition c) {
        return c.ifAbsent() || c.ifMatchEtag() != null;
    }

    static Map<String, String> conditionHeaders(PutOptions.Condition c) {
        if (c.ifAbsent()) {
            return Map.of("If-None-Match", "*");
        }
        if (c.ifMatchEtag() != null) {
            return Map.of("If-Match", Checksums.quote(c.ifMatchEtag()));
        }
        return Map.of();
    }

    private record Written(String etag, Headers headers) {
    }

    private static Written written(ObjectWriteResponse r) {
        String etag = r.etag();
        if ((etag == null || etag.isEmpty()) && r.headers() != null) {
            etag = r.headers().get("ETag");
        }
        return new Written(Checksums.unquote(etag), r.headers());
    }
}
