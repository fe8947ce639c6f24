package dev.exstate.bench.s3;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.PutOptions;
import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Upload and download of one object, exstate {@link S3BlobStore} vs the raw MinIO client it is
 * built on, against the same s3proxy endpoint (filesystem backend, in a child JVM) in the same
 * run. Time per operation; throughput is {@code size / time}.
 *
 * <p>Both sides use 8 MiB parts (exstate's default; the raw client is given the same part size),
 * read their source from the same generated stream and drain downloads into the same 64 KiB
 * buffer. Both download the same object. exstate runs with its defaults otherwise: two parts in
 * flight, MD5 and SHA-256 computed while sending, every request through its guard. The raw client
 * sends parts one after the other, as {@code putObject} does.
 */
@Threads(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class S3Benchmarks {
    static final int PART_SIZE = S3Options.DEFAULT_PART_SIZE;

    /** Object size in bytes: 1 MiB and 256 MiB. */
    @Param({"1048576", "268435456"})
    public long size;

    private S3ProxyProcess s3;
    private S3BlobStore store;
    private MinioClient minio;
    private String downloadKey;
    private String exstateUploadKey;
    private String rawUploadKey;
    private final byte[] buffer = new byte[64 * 1024];

    @Setup(Level.Trial)
    public void start() throws Exception {
        s3 = S3ProxyProcess.start();
        store = S3BlobStore.connect(S3Options.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .bucket(S3ProxyProcess.BUCKET)
                .partSize(PART_SIZE)
                .build());
        minio = MinioClient.builder()
                .endpoint(s3.endpoint().toString())
                .credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1")
                .build();
        String label = size >= (1 << 20) ? (size >> 20) + "m" : size + "b";
        downloadKey = "down/" + label;
        exstateUploadKey = "up/exstate/" + label;
        rawUploadKey = "up/raw/" + label;
        store.put(downloadKey, new GeneratedContent(size), size, PutOptions.defaults());
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try {
            store.close();
            minio.close();
        } finally {
            s3.close();
        }
    }

    @Benchmark
    public BlobInfo upload_exstate() {
        return store.put(exstateUploadKey, new GeneratedContent(size), size, PutOptions.defaults());
    }

    @Benchmark
    public ObjectWriteResponse upload_raw_minio() throws Exception {
        return minio.putObject(PutObjectArgs.builder()
                .bucket(S3ProxyProcess.BUCKET)
                .object(rawUploadKey)
                .stream(new GeneratedContent(size), size, PART_SIZE)
                .contentType(PutOptions.DEFAULT_CONTENT_TYPE)
                .build());
    }

    @Benchmark
    public long download_exstate() throws Exception {
        try (Blob blob = store.get(downloadKey).orElseThrow()) {
            return check(GeneratedContent.drain(blob.content(), buffer));
        }
    }

    @Benchmark
    public long download_raw_minio() throws Exception {
        try (GetObjectResponse in = minio.getObject(GetObjectArgs.builder()
                .bucket(S3ProxyProcess.BUCKET)
                .object(downloadKey)
                .build())) {
            return check(GeneratedContent.drain(in, buffer));
        }
    }

    private long check(long read) {
        if (read != size) {
            throw new IllegalStateException("read " + read + " bytes, expected " + size);
        }
        return read;
    }
}
