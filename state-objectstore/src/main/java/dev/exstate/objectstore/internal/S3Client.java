package dev.exstate.objectstore.internal;

import com.google.common.collect.LinkedListMultimap;
import com.google.common.collect.Multimap;
import dev.exstate.internal.TlsFiles;
import dev.exstate.objectstore.S3Options;
import io.minio.BucketExistsArgs;
import io.minio.CreateMultipartUploadResponse;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsV2Response;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.ObjectWriteResponse;
import io.minio.RemoveObjectArgs;
import io.minio.S3Escaper;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadPartCopyResponse;
import io.minio.UploadPartResponse;
import io.minio.http.Method;
import io.minio.messages.Item;
import io.minio.messages.Part;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.Protocol;

/**
 * The MinIO client, cut down to the requests {@code S3BlobStore} makes, each returning a future.
 * Not API.
 *
 * <p>Two HTTP clients share one bounded connection pool and one bounded, daemon dispatcher:
 * the request client has a call timeout (slightly above the guard's per-attempt timeout) so a
 * request the guard abandoned cannot run on for long; the streaming client has none, because a
 * download's body is read by the caller for as long as it takes, each read bounded by the read
 * timeout. OkHttp's own silent retry is off: retries happen in the guard only.
 */
public final class S3Client implements AutoCloseable {
    private final String bucket;
    private final String region;
    private final Requests requests;
    private final MinioAsyncClient streaming;
    private final OkHttpClient requestHttp;
    private final ThreadPoolExecutor dispatcherPool;

    /**
     * A client for {@code options}. {@code secretKey} is their secret key ({@code null} when
     * anonymous): {@link S3Options} hands it out to no one, so {@code S3BlobStore} passes it.
     */
    public S3Client(S3Options options, String secretKey, Duration attemptTimeout) {
        // read before any thread starts: a bad file is the caller's error (IllegalArgumentException)
        X509TrustManager trust = options.trustCertificates() == null ? null
                : (X509TrustManager) TlsFiles.trustManagers(options.trustCertificates(), "trustCertificates").getTrustManagers()[0];
        this.bucket = options.bucket();
        this.region = options.region();
        int max = options.maxConnections();
        this.dispatcherPool = new ThreadPoolExecutor(0, max, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemonThreads("exstate-s3-http-"));
        Dispatcher dispatcher = new Dispatcher(dispatcherPool);
        // the pool never holds more threads than requests may run, so it never rejects
        dispatcher.setMaxRequests(max);
        dispatcher.setMaxRequestsPerHost(max);
        // 15 s keep-alive stays below the idle timeouts S3 services use, so a pooled connection is rarely stale
        ConnectionPool pool = new ConnectionPool(Math.min(max, 16), 15, TimeUnit.SECONDS);
        OkHttpClient.Builder http = new OkHttpClient.Builder();
        if (trust != null) {
            http.sslSocketFactory(sslContext(trust).getSocketFactory(), trust);
        }
        OkHttpClient streamingHttp = http
                .dispatcher(dispatcher)
                .connectionPool(pool)
                .protocols(List.of(Protocol.HTTP_1_1))
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .connectTimeout(options.connectTimeout())
                .readTimeout(options.readTimeout())
                .writeTimeout(options.readTimeout())
                .build();
        this.requestHttp = streamingHttp.newBuilder()
                .callTimeout(attemptTimeout.plusSeconds(1))
                .build();
        this.requests = new Requests(build(options, secretKey, requestHttp));
        this.streaming = build(options, secretKey, streamingHttp);
    }

    private static SSLContext sslContext(X509TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    private static MinioAsyncClient build(S3Options options, String secretKey, OkHttpClient http) {
        MinioAsyncClient.Builder b = MinioAsyncClient.builder()
                .endpoint(options.endpoint().toString())
                .region(options.region())
                .httpClient(http, false);
        if (options.hasCredentials()) {
            b.credentials(options.accessKey(), java.util.Objects.requireNonNull(secretKey, "secretKey"));
        }
        return b.build();
    }

    public String bucket() {
        return bucket;
    }

    public CompletableFuture<StatObjectResponse> stat(String key) {
        return start(() -> requests.statObject(StatObjectArgs.builder().bucket(bucket).region(region).object(key).build()));
    }

    /** A GET whose future completes when the headers arrive; the body streams afterwards. */
    public CompletableFuture<GetObjectResponse> get(String key, long offset, long length) {
        return start(() -> {
            GetObjectArgs.Builder args = GetObjectArgs.builder().bucket(bucket).region(region).object(key);
            if (offset > 0 || length >= 0) {
                args.offset(offset);
                if (length >= 0) {
                    args.length(length);
                }
            }
            return streaming.getObject(args.build());
        });
    }

    public CompletableFuture<Void> delete(String key) {
        return start(() -> requests.removeObject(RemoveObjectArgs.builder().bucket(bucket).region(region).object(key).build()));
    }

    /**
     * One ListObjectsV2 page with {@code encoding-type=url}: the keys come back URL-encoded, so a
     * key XML 1.0 cannot carry (written by another client) cannot break the listing. Use
     * {@link #objectName} to read an item's key.
     */
    public CompletableFuture<ListObjectsV2Response> list(String prefix, String continuationToken, int maxKeys) {
        return start(() -> requests.listV2(bucket, region, prefix.isEmpty() ? null : prefix, continuationToken, maxKeys));
    }

    /** The key of a listed item, decoded if the service URL-encoded it (it may ignore the request to). */
    public static String objectName(ListObjectsV2Response response, Item item) {
        String encoding = response.result().encodingType();
        if (encoding != null && encoding.equalsIgnoreCase("url")) {
            item.setEncodingType("url");
        }
        return item.objectName();
    }

    /** One PUT of {@code length} bytes of {@code data}; the client adds Content-MD5, which the server checks. */
    public CompletableFuture<ObjectWriteResponse> put(String key, byte[] data, int length, Map<String, String> headers) {
        return start(() -> requests.putBytes(bucket, region, key, data, length, multimap(headers)));
    }

    public CompletableFuture<String> createMultipartUpload(String key, Map<String, String> headers) {
        return start(() -> requests.createMultipartUploadAsync(bucket, region, key, multimap(headers), null))
                .thenApply((CreateMultipartUploadResponse r) -> r.result().uploadId());
    }

    public CompletableFuture<String> uploadPart(String key, String uploadId, int partNumber, byte[] data, int length) {
        return start(() -> requests.uploadPartAsync(bucket, region, key, data, length, uploadId, partNumber, null, null))
                .thenApply(UploadPartResponse::etag);
    }

    /** Copies bytes {@code [first, last]} of {@code sourceKey} (same bucket) into a part. */
    public CompletableFuture<String> uploadPartCopy(String key, String uploadId, int partNumber, String sourceKey, long first, long last) {
        Map<String, String> headers = Map.of(
                "x-amz-copy-source", S3Escaper.encodePath("/" + bucket + "/" + sourceKey),
                "x-amz-copy-source-range", "bytes=" + first + "-" + last);
        return start(() -> requests.uploadPartCopyAsync(bucket, region, key, uploadId, partNumber, multimap(headers), null))
                .thenApply((UploadPartCopyResponse r) -> r.result().etag());
    }

    public CompletableFuture<ObjectWriteResponse> completeMultipartUpload(String key, String uploadId, List<Part> parts,
                                                                          Map<String, String> headers) {
        Part[] array = parts.toArray(new Part[0]);
        return start(() -> requests.completeMultipartUploadAsync(bucket, region, key, uploadId, array, multimap(headers), null));
    }

    public CompletableFuture<Void> abortMultipartUpload(String key, String uploadId) {
        return start(() -> requests.abortMultipartUploadAsync(bucket, region, key, uploadId, null, null))
                .thenApply(r -> null);
    }

    public CompletableFuture<Boolean> bucketExists() {
        return start(() -> requests.bucketExists(BucketExistsArgs.builder().bucket(bucket).region(region).build()));
    }

    public CompletableFuture<Void> makeBucket() {
        return start(() -> requests.makeBucket(MakeBucketArgs.builder().bucket(bucket).region(region).build()));
    }

    /** A presigned URL; computed locally (the region is known), no request is made. */
    public String presign(Method method, String key, Duration expiry) {
        try {
            return requests.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(method).bucket(bucket).region(region).object(key)
                    .expiry((int) expiry.toSeconds(), TimeUnit.SECONDS).build());
        } catch (Exception e) {
            throw new IllegalStateException("presigning " + method + " of '" + key + "' failed: " + e.getClass().getSimpleName(), null);
        }
    }

    /** Pooled connections in use by a request or an open reply (for tests: a reply no one closes keeps one). */
    public int busyConnections() {
        ConnectionPool pool = requestHttp.connectionPool();
        return pool.connectionCount() - pool.idleConnectionCount();
    }

    @Override
    public void close() {
        requestHttp.dispatcher().cancelAll();
        dispatcherPool.shutdownNow();
        requestHttp.connectionPool().evictAll();
    }

    private static Multimap<String, String> multimap(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return null;
        }
        Multimap<String, String> m = LinkedListMultimap.create();
        headers.forEach(m::put);
        return m;
    }

    /** A MinIO call that may throw before it returns its future. */
    @FunctionalInterface
    private interface Call<T> {
        CompletableFuture<T> start() throws Exception;
    }

    private static <T> CompletableFuture<T> start(Call<T> call) {
        try {
            return call.start();
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Opens the requests MinIO keeps protected (plain PUT of a byte range, ListObjectsV2 by token). */
    @SuppressWarnings("try") // never closed itself: it shares an HTTP client that S3Client closes
    private static final class Requests extends MinioAsyncClient {
        Requests(MinioAsyncClient client) {
            super(client);
        }

        CompletableFuture<ObjectWriteResponse> putBytes(String bucket, String region, String key, byte[] data, int length,
                                                        Multimap<String, String> headers) throws Exception {
            return putObjectAsync(bucket, region, key, data, length, headers, null);
        }

        CompletableFuture<ListObjectsV2Response> listV2(String bucket, String region, String prefix, String token, int maxKeys)
                throws Exception {
            return listObjectsV2Async(bucket, region, null, "url", null, maxKeys, prefix, token, false, false, null, null);
        }
    }
}
