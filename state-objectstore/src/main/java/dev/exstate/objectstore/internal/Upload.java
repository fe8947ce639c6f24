package dev.exstate.objectstore.internal;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.PutOptions;
import dev.exstate.objectstore.S3Options;
import io.minio.ObjectWriteResponse;
import io.minio.StatObjectResponse;
import io.minio.messages.Part;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Headers;

/**
 * Writes one object from an {@link UploadSource} in bounded memory, or copies one on the server.
 * Not API.
 *
 * <p>Content up to one part is sent in a single PUT from one buffer. Longer content goes
 * through a {@link MultipartUpload}: parts are read into a ring of {@code partsInFlight + 1}
 * buffers of {@code partSize}, at most {@code partsInFlight} are sent at once, each part is its
 * own guarded call (its own deadline; retried, since re-sending a buffered part is idempotent),
 * and the object appears under its key only when the upload is completed. On any failure the
 * upload is aborted, so no partial object is ever visible.
 *
 * <p>Integrity: the MinIO client sends every request's Content-MD5 (and, over plain HTTP with
 * credentials, the signed SHA-256 of the payload), which the server checks before storing
 * anything; a mismatch is its {@code BadDigest} (or {@code XAmzContentSHA256Mismatch}), a
 * {@link dev.exstate.objectstore.BlobIntegrityException}. The whole content's SHA-256 is computed
 * as it streams by and stored with a single-request object, so a download can be verified.
 *
 * <p>Idempotent retries of conditional writes: every write carries a random write id in its
 * metadata. When a retried attempt meets "precondition failed" (or "no such upload" on
 * completion), the object is looked up: if it carries this write id, the lost first attempt
 * landed and the put succeeded.
 */
public final class Upload {
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

    /** The content of one put: {@code length} bytes of {@code in}, or -1 if unknown. */
    public UploadSource open(String key, InputStream in, long length) {
        return new UploadSource(key, in, length, partSize);
    }

    /**
     * Writes {@code source} under {@code key}.
     *
     * @param user      the user's metadata (validated, lower-case keys)
     * @param own       the store's own metadata to add ({@link ObjectMeta} keys)
     * @param condition the put's condition, checked by the server (and, for multipart uploads,
     *                  also just before creating and completing the upload)
     */
    public Result put(String key, UploadSource source, String contentType, Map<String, String> user, Map<String, String> own,
                      PutOptions.Condition condition) {
        String writeId = UUID.randomUUID().toString();
        if (source.fitsOnePart()) {
            return putSingle(key, source, contentType, user, own, condition, writeId);
        }
        return putMultipart(key, source, contentType, user, own, condition, writeId);
    }

    private Result putSingle(String key, UploadSource source, String contentType, Map<String, String> user,
                             Map<String, String> own, PutOptions.Condition condition, String writeId) {
        byte[] data = source.firstBytes();
        int length = source.firstLength();
        byte[] sha = source.sha256();
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
        return new Result(new BlobInfo(key, length, Checksums.quote(w.etag()), ObjectMeta.responseTime(w.headers()),
                contentType, user), sha);
    }

    private Result putMultipart(String key, UploadSource source, String contentType, Map<String, String> user,
                                Map<String, String> own, PutOptions.Condition condition, String writeId) {
        if (source.declaredLength() > (long) partSize * S3Options.MAX_PARTS) {
            throw tooManyParts(key, source.declaredLength() + " bytes need");
        }
        if (hasCondition(condition)) {
            // fail before sending gigabytes for nothing
            checkCondition(key, condition);
        }
        MultipartUpload upload = MultipartUpload.create(calls, "blob.put.create-multipart", key,
                multipartHeaders(contentType, user, own, writeId), partsInFlight);
        try {
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
                    length = source.readPart(buf);
                }
                if (length == 0 && partNumber > 1) {
                    break; // the content ended exactly at a part boundary
                }
                if (partNumber > S3Options.MAX_PARTS) {
                    throw tooManyParts(key, "the content needs");
                }
                int number = partNumber;
                byte[] part = buf;
                int partLength = length;
                upload.send(number, () -> calls.async("blob.put.part", true, key,
                        () -> calls.client().uploadPart(key, upload.uploadId(), number, part, partLength)));
                if (length < partSize || source.done()) {
                    break;
                }
                partNumber++;
            }
            List<Part> parts = upload.awaitParts();
            if (!source.done()) {
                throw new IllegalStateException("put of blob '" + key + "': content left unread"); // cannot happen
            }
            byte[] sha = source.sha256();
            if (hasCondition(condition)) {
                // servers that ignore conditions on completion (s3proxy 3.0) at least get a late check
                checkCondition(key, condition);
            }
            Written w = complete(key, upload.uploadId(), parts, condition, writeId);
            return new Result(new BlobInfo(key, source.total(), Checksums.quote(w.etag()), ObjectMeta.responseTime(w.headers()),
                    contentType, user), sha);
        } catch (RuntimeException | Error e) {
            upload.abort(e);
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
        MultipartUpload upload = MultipartUpload.create(calls, "blob.copy.create-multipart", targetKey,
                multipartHeaders(contentType, user, own, writeId), partsInFlight);
        try {
            int count = (int) ((size + partSize - 1) / partSize);
            for (int i = 0; i < count; i++) {
                int partNumber = i + 1;
                long first = (long) i * partSize;
                long last = Math.min(size, first + partSize) - 1;
                upload.send(partNumber, () -> calls.async("blob.copy.part", true, targetKey,
                        () -> calls.client().uploadPartCopy(targetKey, upload.uploadId(), partNumber, sourceKey, first, last)));
            }
            Written w = complete(targetKey, upload.uploadId(), upload.awaitParts(), PutOptions.Condition.NONE, writeId);
            return new BlobInfo(targetKey, size, Checksums.quote(w.etag()), ObjectMeta.responseTime(w.headers()), contentType, user);
        } catch (RuntimeException | Error e) {
            upload.abort(e);
            throw e;
        }
    }

    /** Headers of a multipart object: the part size, so a reader can recompute its ETag, and the write id. */
    private Map<String, String> multipartHeaders(String contentType, Map<String, String> user, Map<String, String> own,
                                                 String writeId) {
        Map<String, String> ownAll = new LinkedHashMap<>(ObjectMeta.withExactContentType(own, contentType));
        ownAll.put(ObjectMeta.PART_SIZE, Integer.toString(partSize));
        ownAll.put(ObjectMeta.WRITE_ID, writeId);
        return ObjectMeta.headers(contentType, user, ownAll);
    }

    private IllegalArgumentException tooManyParts(String key, String what) {
        return new IllegalArgumentException("put of blob '" + key + "': " + what + " more than " + S3Options.MAX_PARTS
                + " parts of " + partSize + " bytes; raise S3Options.partSize");
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
