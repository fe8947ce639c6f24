package dev.exstate.objectstore;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.BlobKeys;
import dev.exstate.blob.BlobPage;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobRange;
import dev.exstate.blob.BlobStats;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.Guard;
import dev.exstate.internal.BlobTransfers;
import dev.exstate.internal.BlobValues;
import dev.exstate.internal.Unicode;
import dev.exstate.internal.startup.StartupRetry;
import dev.exstate.objectstore.internal.Checksums;
import dev.exstate.objectstore.internal.ObjectMeta;
import dev.exstate.objectstore.internal.S3Calls;
import dev.exstate.objectstore.internal.S3Client;
import dev.exstate.objectstore.internal.S3Errors;
import dev.exstate.objectstore.internal.Upload;
import dev.exstate.objectstore.internal.UploadSource;
import dev.exstate.objectstore.internal.VerifyingInputStream;
import dev.exstate.runtime.ProviderFactory;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsV2Response;
import io.minio.http.Method;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlobStore} over one bucket of any S3-compatible service (AWS S3, MinIO, s3proxy, ...),
 * through the MinIO Java client. Thread-safe; every method blocks its caller, never longer than
 * the guard's policy allows per request.
 *
 * <p>What a user can rely on, beyond the {@link BlobStore} contract:
 * <ul>
 *   <li><b>Bounded memory.</b> Content is streamed: up to {@link S3Options#partSize()} it goes in
 *       one request, beyond that as a multipart upload with at most
 *       {@link S3Options#partsInFlight()} parts in flight. One upload holds at most about
 *       {@code partSize x (2 x partsInFlight + 1)} bytes of heap (its part buffers, plus the HTTP
 *       client's copy of each part being sent): 40 MiB with the defaults, for a 10 KiB object or a
 *       100 GiB one. Downloads are streamed from the socket.</li>
 *   <li><b>Deadlines per request and per part.</b> Every request goes through the {@link Guard};
 *       a multipart upload is many guarded calls (one per part), so a large object never needs one
 *       huge timeout. A download's headers are guarded; its body is read by the caller, each read
 *       bounded by {@link S3Options#readTimeout()}. Idempotent requests are retried by the guard
 *       (reads, deletes, part uploads from their buffer, completion, single-request puts, whose
 *       content is in memory); creating a multipart upload is not.</li>
 *   <li><b>No partial objects.</b> A multipart object appears only when its upload completes; a
 *       failed or interrupted upload is aborted.</li>
 *   <li><b>Idempotent conditional puts.</b> {@link PutOptions#ifAbsent()} and
 *       {@link PutOptions#ifMatch} are sent as {@code If-None-Match: *} / {@code If-Match} (on the
 *       PUT, or on the multipart completion). A retry whose earlier attempt landed recognises its
 *       own write (a random write id in the object's metadata) instead of failing. Services that
 *       ignore conditions on multipart completion (s3proxy 3.0) get the condition checked before
 *       the upload and again just before completion: a small race window remains there.</li>
 *   <li><b>Integrity.</b> Every upload request carries the Content-MD5 of its body (and, over
 *       plain HTTP with credentials, the signed SHA-256 of it), which the server checks before
 *       storing anything; single-request objects store the SHA-256 of their content in metadata;
 *       {@link #get(String, boolean)} verifies a download against the stored SHA-256 or the ETag.
 *       A mismatch is a {@link BlobIntegrityException}.</li>
 *   <li><b>First contact.</b> Building a store makes no request. Before its first request the
 *       store lists one key of the bucket, outside the guard, retrying with backoff for up to
 *       {@link S3Options#startupTimeout()}: a replica that starts before S3 (or on a busy host)
 *       waits for it, then fails with {@link dev.exstate.guard.StateUnavailableException} giving
 *       the real elapsed time and the last cause. Refused credentials fail at once with
 *       {@link BlobAccessDeniedException}.</li>
 *   <li><b>Typed errors.</b> Missing key: empty / no-op. Condition failed:
 *       {@link BlobPreconditionFailedException}. Bad key: {@link dev.exstate.blob.InvalidBlobKeyException}
 *       before any request. 403: {@link BlobAccessDeniedException}. Missing bucket:
 *       {@link BucketNotFoundException}. Service down, 5xx, timeouts:
 *       {@link dev.exstate.guard.StateUnavailableException} (or its subclass
 *       {@link dev.exstate.guard.StateTimeoutException}) from the guard. Messages never hold
 *       credentials.</li>
 * </ul>
 *
 * <p>User metadata keys are ASCII letters, digits, {@code . _ -} (lower-cased), values printable
 * ASCII; keys starting with {@code exstate-} are reserved. Listed items carry key, size, ETag and
 * last-modified time but not content type or metadata (S3 listings do not return them): use
 * {@link #stat} for those.
 */
public final class S3BlobStore implements BlobStore {
    /** Where {@link #putContentAddressed} stores content: {@code cas/sha256/<hex SHA-256>}. */
    public static final String CAS_PREFIX = "cas/sha256/";
    /** Longest validity of a presigned URL (an S3 limit). */
    public static final Duration MAX_PRESIGN_EXPIRY = Duration.ofDays(7);
    private static final Duration CAS_STAGING_TTL = Duration.ofDays(1);
    /** A service token is a key name (s3proxy) or an opaque string of a few hundred bytes (AWS, MinIO). */
    private static final int MAX_SERVICE_TOKEN_BYTES = 2048;
    private static final Logger LOG = LoggerFactory.getLogger(S3BlobStore.class);

    private final S3Options options;
    private final Guard guard;
    private final boolean ownsGuard;
    private final S3Client client;
    private final S3Calls calls;
    private final Upload upload;
    private final BlobTransfers transfers = new BlobTransfers();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object bucketLock = new Object();
    // written under bucketLock; both true once the first contact (and, with autoCreateBucket, the bucket check) succeeded
    private volatile boolean contacted;
    private volatile boolean bucketReady;

    private S3BlobStore(S3Options options, Guard guard, boolean ownsGuard) {
        this.options = Objects.requireNonNull(options, "options");
        this.guard = Objects.requireNonNull(guard, "guard");
        this.ownsGuard = ownsGuard;
        this.client = new S3Client(options, options.secretKey(), guard.policy().timeout());
        this.calls = new S3Calls(guard, client);
        this.upload = new Upload(calls, options);
        this.bucketReady = !options.autoCreateBucket();
    }

    /** A store with its own guard ({@link S3Options#guardPolicy()}), closed with the store. Makes no request yet. */
    public static S3BlobStore connect(S3Options options) {
        Guard own = Guard.builder(options.guardName()).policy(options.guardPolicy()).build();
        try {
            return new S3BlobStore(options, own, true);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * A store whose calls go through {@code guard}, shared with other providers of the same
     * backend; the store does not close it. Its per-attempt timeout must allow one part to be sent.
     */
    public static S3BlobStore connect(S3Options options, Guard guard) {
        return new S3BlobStore(options, guard, false);
    }

    /**
     * For {@code StateRuntime.builder(app).blobs(S3BlobStore.blobs(options))}: uses the runtime's
     * guard named {@link S3Options#guardName()}, whose policy is the runtime's for that name, else
     * {@link S3Options#guardPolicy()} (by default {@link S3Options#DEFAULT_GUARD_POLICY}, long enough
     * for one part); setting both differently fails the build (see
     * {@link dev.exstate.runtime.StateRuntime}).
     */
    public static ProviderFactory<S3BlobStore> blobs(S3Options options) {
        Objects.requireNonNull(options, "options");
        return context -> connect(options, context.guard(options.guardName(), S3Options.DEFAULT_GUARD_POLICY, options.guardPolicy()));
    }

    /** The key content with this hex SHA-256 has under {@link #putContentAddressed}. */
    public static String contentAddress(String sha256Hex) {
        if (sha256Hex == null || !sha256Hex.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("a SHA-256 is 64 hex digits");
        }
        return CAS_PREFIX + sha256Hex.toLowerCase(java.util.Locale.ROOT);
    }

    public S3Options options() {
        return options;
    }

    /** The guard every request of this store goes through. */
    public Guard guard() {
        return guard;
    }

    @Override
    public BlobInfo put(String key, InputStream content, long length, PutOptions putOptions) {
        BlobKeys.validate(key);
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(putOptions, "options");
        checkLength(key, length);
        Map<String, String> user = ObjectMeta.userMetadata(putOptions.metadata(), key);
        ensureOpenAndBucket();
        BlobInfo info = upload.put(key, upload.open(key, content, length), putOptions.contentType(), user, Map.of(),
                putOptions.condition()).info();
        transfers.uploaded(info.size());
        return info;
    }

    /**
     * Stores {@code content} under {@link #contentAddress its SHA-256}, once: if that key already
     * exists nothing is written and its info is returned, so retries (and other replicas storing the
     * same bytes) are no-ops. Content larger than one part is first uploaded to a temporary key
     * under {@link TempFiles#PREFIX} (the hash is only known at its end), then copied on the server
     * and the temporary key deleted; a crash in between leaves only an expiring temporary file.
     *
     * @param length the content length, or -1 if unknown
     */
    public BlobInfo putContentAddressed(InputStream content, long length) {
        return putContentAddressed(content, length, PutOptions.defaults());
    }

    /** As {@link #putContentAddressed(InputStream, long)} with a content type and metadata; the options must have no condition. */
    public BlobInfo putContentAddressed(InputStream content, long length, PutOptions putOptions) {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(putOptions, "options");
        if (putOptions.condition().ifAbsent() || putOptions.condition().ifMatchEtag() != null) {
            throw new IllegalArgumentException("a content-addressed put is create-once by nature; pass options without a condition");
        }
        checkLength("(content-addressed)", length);
        Map<String, String> user = ObjectMeta.userMetadata(putOptions.metadata(), "(content-addressed)");
        ensureOpenAndBucket();
        UploadSource source = upload.open(CAS_PREFIX + "(being hashed)", content, length);
        if (source.fitsOnePart()) {
            String key = contentAddress(Checksums.hex(source.sha256()));
            Optional<BlobInfo> existing = stat(key);
            if (existing.isPresent()) {
                return existing.get();
            }
            try {
                BlobInfo info = upload.put(key, source, putOptions.contentType(), user, Map.of(),
                        PutOptions.ifAbsent().condition()).info();
                transfers.uploaded(info.size());
                return info;
            } catch (BlobPreconditionFailedException raced) {
                // another writer stored the same bytes first: that is success
                return stat(key).orElseThrow(() -> raced);
            }
        }
        String staging = TempFiles.key("exstate-cas-" + UUID.randomUUID(), Instant.now().plus(CAS_STAGING_TTL));
        Upload.Result staged = upload.put(staging, source, putOptions.contentType(), user, Map.of(), PutOptions.Condition.NONE);
        transfers.uploaded(staged.info().size());
        String sha = Checksums.hex(staged.sha256());
        String key = contentAddress(sha);
        try {
            Optional<BlobInfo> existing = stat(key);
            if (existing.isPresent()) {
                return existing.get();
            }
            // identical bytes whoever wins a race, so the copy needs no condition
            return upload.copy(staging, staged.info().size(), key, putOptions.contentType(), user, Map.of(ObjectMeta.SHA256, sha));
        } finally {
            try {
                delete(staging);
            } catch (RuntimeException e) {
                LOG.debug("exstate s3: temporary file {} stays until TempFiles cleanup: {}", staging, e.getMessage());
            }
        }
    }

    @Override
    public Optional<Blob> get(String key) {
        return get(key, BlobRange.from(0), false);
    }

    @Override
    public Optional<Blob> get(String key, BlobRange range) {
        return get(key, range, false);
    }

    /**
     * The whole blob; with {@code verify}, its content stream checks the bytes against the
     * checksum stored with the blob (its SHA-256 if known, else its ETag) and throws
     * {@link BlobIntegrityException} from the {@code read} that reaches the end if they differ.
     *
     * @throws BlobIntegrityException at once if {@code verify} is asked for a blob that has no
     *                                checksum to compare with (written by another client with an ETag that is not an MD5)
     */
    public Optional<Blob> get(String key, boolean verify) {
        return get(key, BlobRange.from(0), verify);
    }

    private Optional<Blob> get(String key, BlobRange range, boolean verify) {
        BlobKeys.validate(key);
        Objects.requireNonNull(range, "range");
        ensureOpenAndBucket();
        if (range.length() == 0) {
            return stat(key).map(info -> new Blob(info, InputStream.nullInputStream()));
        }
        Optional<GetObjectResponse> found = calls.await("blob.get", true, key, () ->
                closingLateReplies(client.get(key, range.offset(), range.length())
                        .thenApply(Optional::of)
                        .exceptionallyCompose(e -> S3Errors.isNoSuchKey(e)
                                ? CompletableFuture.completedFuture(Optional.<GetObjectResponse>empty())
                                : S3Errors.is(e, "InvalidRange") || S3Errors.status(e) == 416
                                ? CompletableFuture.completedFuture(Optional.of(PAST_END))
                                : CompletableFuture.failedFuture(e))));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        GetObjectResponse response = found.get();
        if (response == PAST_END) {
            // the range starts at or after the end: the bytes that exist there are none
            return stat(key).map(info -> new Blob(info, InputStream.nullInputStream()));
        }
        try {
            BlobInfo info = ObjectMeta.info(key, response.headers());
            InputStream content = response;
            if (verify) {
                content = new VerifyingInputStream(response, key, info.size(), expectedChecksum(key, info, response));
            }
            return Optional.of(new Blob(info, transfers.downloading(content)));
        } catch (RuntimeException e) {
            closeQuietly(response);
            throw e;
        }
    }

    /** Marks "range not satisfiable" without a response to close. */
    private static final GetObjectResponse PAST_END = new GetObjectResponse(okhttp3.Headers.of(), "", "", "", InputStream.nullInputStream());

    private static VerifyingInputStream.Expected expectedChecksum(String key, BlobInfo info, GetObjectResponse response) {
        Map<String, String> meta = ObjectMeta.all(response.headers());
        String sha = meta.get(ObjectMeta.SHA256);
        if (sha != null && sha.matches("[0-9a-fA-F]{64}")) {
            return new VerifyingInputStream.Sha256(sha);
        }
        if (Checksums.isMd5Etag(info.etag())) {
            return new VerifyingInputStream.Md5(Checksums.unquote(info.etag()));
        }
        String partSize = meta.get(ObjectMeta.PART_SIZE);
        if (Checksums.isMultipartEtag(info.etag()) && partSize != null && partSize.matches("[1-9][0-9]{0,10}")) {
            return new VerifyingInputStream.Multipart(info.etag(), Long.parseLong(partSize));
        }
        throw new BlobIntegrityException("blob '" + key + "' cannot be verified: it has no stored SHA-256 and its ETag "
                + info.etag() + " is not a checksum this store can recompute (was it written by another client, or encrypted with KMS?)");
    }

    /**
     * A GET abandoned by the guard (deadline passed, caller interrupted, guard closed) may still
     * get its headers later; that reply is closed here, or its connection would leak. The guard
     * cancels the future it gave up on and {@link S3Calls} passes that on to this one: a reply
     * that arrives later finds it cancelled, and one that arrived just before is closed by the
     * cancel. No timer per GET: a timer task here woke a JDK timer thread on every call, which
     * cost a measurable share of a small download on a busy host.
     */
    private static CompletableFuture<Optional<GetObjectResponse>> closingLateReplies(CompletableFuture<Optional<GetObjectResponse>> request) {
        Reply out = new Reply();
        request.whenComplete((r, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
            } else if (!out.complete(r)) {
                closeReply(r);
            }
        });
        return out;
    }

    /** A GET's reply; cancelled once no one will take it, and then closed if it is there already. */
    private static final class Reply extends CompletableFuture<Optional<GetObjectResponse>> {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (super.cancel(mayInterruptIfRunning)) {
                return true;
            }
            if (isDone() && !isCompletedExceptionally()) {
                // arrived just before the guard gave up: the value went nowhere
                closeReply(join());
            }
            return false;
        }
    }

    private static void closeReply(Optional<GetObjectResponse> reply) {
        reply.filter(r -> r != PAST_END).ifPresent(S3BlobStore::closeQuietly);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // nothing left to do with a reply no one reads
        }
    }

    /** Connections in use right now (a request in flight or a reply not closed yet); for tests. */
    int busyConnections() {
        return client.busyConnections();
    }

    /** Bytes of the puts that succeeded and bytes callers read from blobs this store returned; presigned URLs bypass it. */
    @Override
    public Optional<BlobStats> stats() {
        return Optional.of(transfers.stats());
    }

    @Override
    public Optional<BlobInfo> stat(String key) {
        BlobKeys.validate(key);
        ensureOpenAndBucket();
        return calls.await("blob.stat", true, key, () -> client.stat(key)
                .thenApply(r -> Optional.of(ObjectMeta.info(key, r.headers())))
                .exceptionallyCompose(e -> S3Errors.isNoSuchKey(e)
                        ? CompletableFuture.completedFuture(Optional.<BlobInfo>empty())
                        : CompletableFuture.failedFuture(e)));
    }

    @Override
    public void delete(String key) {
        BlobKeys.validate(key);
        ensureOpenAndBucket();
        calls.await("blob.delete", true, key, () -> client.delete(key)
                .exceptionallyCompose(e -> S3Errors.isNoSuchKey(e)
                        ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e)));
    }

    @Override
    public BlobPage list(String prefix, String continuationToken, int maxKeys) {
        BlobValues.checkMaxKeys(maxKeys);
        String p = BlobKeys.validatePrefix(prefix);
        String serviceToken = serviceToken(continuationToken);
        ensureOpenAndBucket();
        ListObjectsV2Response response = calls.await("blob.list", true, p.isEmpty() ? null : p + "*",
                () -> client.list(p, serviceToken, maxKeys));
        List<BlobInfo> items = new ArrayList<>();
        for (Item item : response.result().contents()) {
            if (item.isDir() || item.isDeleteMarker()) {
                continue;
            }
            Instant modified = item.lastModified() == null ? Instant.EPOCH : item.lastModified().toInstant();
            items.add(new BlobInfo(S3Client.objectName(response, item), item.size(), Checksums.quote(item.etag()), modified,
                    null, Map.of()));
        }
        String next = response.result().isTruncated() ? response.result().nextContinuationToken() : null;
        return new BlobPage(items, next == null ? null : TOKEN_ENCODER.encodeToString(next.getBytes(StandardCharsets.UTF_8)));
    }

    /*
     * The token handed to callers is the service's token, base64url-encoded: printable ASCII as
     * BlobKeys requires whatever the service uses (s3proxy's tokens are key names), and a token
     * that does not decode to what a service could have sent is refused here, as the caller's
     * error, instead of reaching the service (where a NUL or 10 KiB token is answered with a 5xx
     * or a non-S3 error page, which would count as an outage).
     */
    private static final Base64.Encoder TOKEN_ENCODER = Base64.getUrlEncoder().withoutPadding();

    private static String serviceToken(String token) {
        if (BlobKeys.validateContinuationToken(token) == null) {
            return null;
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(token))).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw notIssued();
        }
        if (decoded.isEmpty() || decoded.getBytes(StandardCharsets.UTF_8).length > MAX_SERVICE_TOKEN_BYTES
                || Unicode.nonCharacter(decoded) >= 0 || decoded.chars().anyMatch(Character::isISOControl)) {
            throw notIssued();
        }
        return decoded;
    }

    private static IllegalArgumentException notIssued() {
        return new IllegalArgumentException("continuation token was not issued by an S3BlobStore; pass back the token a page"
                + " returned, unchanged");
    }

    /** A URL that lets anyone holding it GET {@code key} until {@code expiry} passes (at most 7 days). Makes no request. */
    public URI presignGet(String key, Duration expiry) {
        return presign(Method.GET, key, expiry);
    }

    /**
     * A URL that lets anyone holding it PUT content under {@code key} (overwriting, without
     * conditions) until {@code expiry} passes (at most 7 days). Makes no request.
     */
    public URI presignPut(String key, Duration expiry) {
        return presign(Method.PUT, key, expiry);
    }

    private URI presign(Method method, String key, Duration expiry) {
        BlobKeys.validate(key);
        Objects.requireNonNull(expiry, "expiry");
        if (expiry.compareTo(Duration.ofSeconds(1)) < 0 || expiry.compareTo(MAX_PRESIGN_EXPIRY) > 0) {
            throw new IllegalArgumentException("presigned URL expiry must be between 1 second and 7 days, was " + expiry);
        }
        ensureOpen();
        return URI.create(client.presign(method, key, expiry));
    }

    /** Releases the HTTP client's threads and connections (and the guard, if the store built it). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            client.close();
        } finally {
            if (ownsGuard) {
                guard.close();
            }
        }
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + options.endpoint() + ", bucket=" + options.bucket() + "]";
    }

    private void checkLength(String key, long length) {
        BlobValues.checkLength(length);
        if (length > options.maxObjectSize()) {
            throw new IllegalArgumentException("put of blob '" + key + "': " + length + " bytes need more than "
                    + S3Options.MAX_PARTS + " parts of " + options.partSize() + " bytes; raise S3Options.partSize");
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private void ensureOpenAndBucket() {
        ensureOpen();
        if (contacted && bucketReady) {
            return;
        }
        synchronized (bucketLock) {
            if (!contacted) {
                firstContact();
                contacted = true;
            }
            if (bucketReady) {
                return;
            }
            boolean exists = calls.await("blob.bucket.exists", true, null, client::bucketExists);
            if (!exists) {
                calls.await("blob.bucket.create", true, null, () -> client.makeBucket()
                        .exceptionallyCompose(e -> S3Errors.is(e, "BucketAlreadyOwnedByYou")
                                ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e)));
                LOG.info("exstate s3: created bucket '{}' at {}", options.bucket(), options.endpoint());
            }
            bucketReady = true;
        }
    }

    /**
     * The store's first request to S3: a one-key listing of the bucket, outside the guard,
     * retried with backoff within {@link S3Options#startupTimeout()}, so a store used while S3 is
     * still starting (or on a busy host) waits for it instead of failing its first call. A missing
     * bucket counts as reached (the bucket check follows); refused credentials fail at once.
     */
    private void firstContact() {
        long attemptMillis = guard.policy().timeout().plusSeconds(2).toMillis();
        StartupRetry.connect(options.guardName(), "bucket '" + options.bucket() + "' at " + options.endpoint(),
                options.startupTimeout(), "check that the S3 endpoint is right and reachable", () -> {
                    CompletableFuture<ListObjectsV2Response> probe = client.list("", null, 1);
                    try {
                        return probe.get(attemptMillis, TimeUnit.MILLISECONDS);
                    } catch (ExecutionException e) {
                        if (S3Errors.is(e, "NoSuchBucket")) {
                            return null;
                        }
                        // refused credentials and bad requests end the retries; anything else is tried again
                        throw S3Errors.translate(e, "connect", options.bucket(), null);
                    } catch (java.util.concurrent.TimeoutException e) {
                        probe.cancel(true);
                        throw new java.util.concurrent.TimeoutException("no answer within " + attemptMillis + " ms");
                    }
                });
    }
}
