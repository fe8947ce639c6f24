package dev.exstate.testkit.s3;

import dev.exstate.internal.Check;
import dev.exstate.testkit.internal.TempDirs;
import dev.exstate.testkit.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * An S3 endpoint served in-process by <a href="https://github.com/gaul/s3proxy">s3proxy</a> on a
 * loopback port, for integration tests of S3 clients. Requests are authenticated (AWS signature
 * V2 or V4) with the server's access key and secret key.
 *
 * <p>Two storage backends: {@link Backend#TRANSIENT} keeps objects in this JVM's heap (fast; for
 * small objects), {@link Backend#FILESYSTEM} keeps them in a directory (for large objects, and
 * for data that must survive {@link #restart()} of a new server instance over the same
 * directory). Either way the data survives {@link #stop()}/{@link #start()} of the same instance,
 * and a restarted server listens on the same port, so a client keeps its endpoint.
 *
 * <p>Unlike plain s3proxy 3.0, conditional PUTs ({@code If-None-Match: *}, {@code If-Match}) are
 * atomic, as in S3: of several racing create-only PUTs exactly one succeeds. Conditions on
 * multipart uploads are not checked by s3proxy at all.
 *
 * <p>s3proxy and its dependency tree are not brought in by the testkit: add
 * {@code org.gaul:s3proxy} to your test classpath (and align Jackson, see the project's
 * DEPENDENCIES notes). Bucket names need at least 3 characters.
 *
 * <p>With {@link Builder#tls(TestCertificates)} the server speaks https only, with the server
 * certificate of a private test CA: {@link #endpoint()} is then {@code https://127.0.0.1:<port>}
 * and a client must trust that CA.
 *
 * <p>Thread-safe; the secret key never appears in {@link #toString()}.
 */
public final class S3ProxyServer implements AutoCloseable {

    /** Where the served objects are kept. */
    public enum Backend {
        /** In this JVM's heap (jclouds {@code transient}). */
        TRANSIENT,
        /** In a directory (jclouds {@code filesystem}). */
        FILESYSTEM
    }

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Backend backend;
    private final String accessKey;
    private final String secretKey;
    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final BlobStoreContext context;
    private final TestCertificates tls;

    private int port;
    private S3Proxy proxy;
    private boolean closed;

    private S3ProxyServer(Builder b) {
        this.backend = b.backend;
        this.accessKey = b.accessKey != null ? b.accessKey : "exstate-" + randomHex(6);
        this.secretKey = b.secretKey != null ? b.secretKey : randomHex(20);
        this.port = b.port;
        this.tls = b.tls;
        Properties props = new Properties();
        if (backend == Backend.FILESYSTEM) {
            try {
                this.deleteDataDirOnClose = b.dataDir == null;
                this.dataDir = b.dataDir != null ? Files.createDirectories(b.dataDir) : Files.createTempDirectory("exstate-s3proxy-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the s3proxy data directory", e);
            }
            props.setProperty("jclouds.filesystem.basedir", dataDir.toAbsolutePath().toString());
        } else {
            this.dataDir = null;
            this.deleteDataDirOnClose = false;
        }
        this.context = ContextBuilder.newBuilder(backend == Backend.FILESYSTEM ? "filesystem" : "transient")
                .overrides(props)
                .credentials(accessKey, secretKey)
                .build(BlobStoreContext.class);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A started server with a transient backend, a random port and random credentials. */
    public static S3ProxyServer startTransient() {
        return builder().build().start();
    }

    /**
     * Starts serving; on the first start on the configured port (0: a free one), later on the
     * port the first start got. Returns once the server accepts connections. No-op if running.
     *
     * @throws IllegalStateException if the server is closed or does not start
     */
    public synchronized S3ProxyServer start() {
        if (closed) {
            throw new IllegalStateException("s3proxy server is closed");
        }
        if (proxy != null) {
            return this;
        }
        S3Proxy.Builder pb = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey);
        if (tls != null) {
            pb.secureEndpoint(URI.create("https://" + HOST + ":" + port)).sslContext(tls.serverSslContext());
        } else {
            pb.endpoint(URI.create("http://" + HOST + ":" + port));
        }
        S3Proxy p = pb.build();
        // a fresh view of the backend per request, which makes conditional PUTs atomic
        p.setBlobStoreLocator((identity, container, blob) -> accessKey.equals(identity)
                ? Map.entry(secretKey, new AtomicConditionalPuts(context.getBlobStore()))
                : null);
        try {
            p.start();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!"STARTED".equals(p.getState())) {
                if ("FAILED".equals(p.getState()) || System.nanoTime() > deadline) {
                    p.stop();
                    throw new IllegalStateException("s3proxy did not start on " + HOST + ":" + port + " (state " + p.getState() + ")");
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting s3proxy", e);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy failed to start on " + HOST + ":" + port + ": " + e.getMessage(), e);
        }
        port = tls != null ? p.getSecurePort() : p.getPort();
        proxy = p;
        return this;
    }

    /** Stops serving (connections are refused); the stored objects and the port are kept for {@link #start()}. */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy failed to stop: " + e.getMessage(), e);
        } finally {
            proxy = null;
        }
    }

    /** {@link #stop()} then {@link #start()} on the same port, with the same objects. */
    public synchronized S3ProxyServer restart() {
        stop();
        return start();
    }

    public synchronized boolean isRunning() {
        return proxy != null;
    }

    /**
     * {@code http://127.0.0.1:<port>} ({@code https://} with TLS); valid once started, and stays
     * the same across restarts.
     */
    public synchronized URI endpoint() {
        if (port == 0) {
            throw new IllegalStateException("s3proxy has not been started yet: no port assigned");
        }
        return URI.create((tls != null ? "https://" : "http://") + HOST + ":" + port);
    }

    /** True if the server speaks https only (see {@link Builder#tls(TestCertificates)}). */
    public boolean isTls() {
        return tls != null;
    }

    public synchronized int port() {
        return port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public Backend backend() {
        return backend;
    }

    /** The data directory of a {@link Backend#FILESYSTEM} server, else {@code null}. */
    public Path dataDir() {
        return dataDir;
    }

    /** Creates {@code bucket} directly in the backend (no HTTP); no-op if it exists. */
    public void createBucket(String bucket) {
        Objects.requireNonNull(bucket, "bucket");
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    /** Whether {@code bucket} exists, asked directly of the backend. */
    public boolean bucketExists(String bucket) {
        return context.getBlobStore().containerExists(bucket);
    }

    /**
     * Every name the backend stores in {@code bucket}, read directly from it (no HTTP): the
     * objects, and also whatever the backend keeps for multipart uploads in progress (jclouds
     * stores their parts as hidden blobs). A white-box view for tests that check nothing was left
     * behind.
     */
    public List<String> storedNames(String bucket) {
        List<String> names = new ArrayList<>();
        org.jclouds.blobstore.BlobStore store = context.getBlobStore();
        ListContainerOptions options = ListContainerOptions.Builder.recursive();
        while (true) {
            PageSet<? extends StorageMetadata> page = store.list(bucket, options);
            for (StorageMetadata m : page) {
                if (m.getType() == StorageType.BLOB) {
                    names.add(m.getName());
                }
            }
            if (page.getNextMarker() == null) {
                return names;
            }
            options = ListContainerOptions.Builder.recursive().afterMarker(page.getNextMarker());
        }
    }

    /**
     * Stops the server, releases the backend and deletes the data directory if this server
     * created it. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            context.close();
            if (deleteDataDirOnClose && dataDir != null) {
                TempDirs.deleteRecursively(dataDir);
            }
        }
    }

    @Override
    public String toString() {
        return "S3ProxyServer[" + backend + ", " + HOST + ":" + port + (tls != null ? ", https" : "") + ", accessKey=****]";
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Builder for {@link S3ProxyServer}. Defaults: transient backend, random port, random credentials. */
    public static final class Builder {
        private Backend backend = Backend.TRANSIENT;
        private Path dataDir;
        private String accessKey;
        private String secretKey;
        private int port;
        private TestCertificates tls;

        private Builder() {
        }

        /** Keep objects in the heap of this JVM. */
        public Builder transientBackend() {
            this.backend = Backend.TRANSIENT;
            this.dataDir = null;
            return this;
        }

        /** Keep objects in a new temporary directory, deleted on {@link S3ProxyServer#close()}. */
        public Builder filesystemBackend() {
            this.backend = Backend.FILESYSTEM;
            this.dataDir = null;
            return this;
        }

        /** Keep objects in {@code dir} (created if missing, never deleted by the server). */
        public Builder filesystemBackend(Path dir) {
            this.backend = Backend.FILESYSTEM;
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        public Builder credentials(String accessKey, String secretKey) {
            this.accessKey = Check.valid(accessKey,
                    accessKey != null && !accessKey.isBlank() && secretKey != null && !secretKey.isBlank(),
                    () -> "s3proxy access key and secret key must not be blank");
            this.secretKey = secretKey;
            return this;
        }

        /** Port to listen on, 0 (the default) for a free one chosen at the first start. */
        public Builder port(int port) {
            this.port = Check.valid(port, port >= 0 && port <= 65535, () -> "port must be in [0, 65535], was " + port);
            return this;
        }

        /** Serves https only, with the server certificate (and key) of {@code certs}. */
        public Builder tls(TestCertificates certs) {
            this.tls = Objects.requireNonNull(certs, "certs");
            return this;
        }

        /** Builds a server that is not started yet. */
        public S3ProxyServer build() {
            return new S3ProxyServer(this);
        }
    }
}
