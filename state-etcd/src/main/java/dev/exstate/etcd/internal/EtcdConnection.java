package dev.exstate.etcd.internal;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.internal.startup.StartupRetry;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One jetcd {@link Client} shared by the providers built from one {@code EtcdState}, closed when
 * the last holder lets go (reference counted). Not API.
 *
 * <p>The client is set up so that recovery and retries stay ours: jetcd's own retries are off
 * (the Guard retries idempotent calls within its deadline), and calls fail fast when no
 * connection is ready instead of queueing inside gRPC until some later reconnect (a queued
 * write could otherwise be applied long after its caller gave up). Jetcd's executor is bounded
 * and its threads are daemon and named {@code exstate-etcd-client-N}.
 */
public final class EtcdConnection {
    private static final Logger log = LoggerFactory.getLogger(EtcdConnection.class);
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final int EXECUTOR_THREADS = 4;
    private static final int EXECUTOR_QUEUE = 4096;

    private final EtcdOptions options;
    private final Client client;
    private final ThreadPoolExecutor executor;
    private final Runnable onClose;
    private final Object lock = new Object();
    private int references = 1; // guarded by lock
    private volatile boolean closed;

    private EtcdConnection(EtcdOptions options, Client client, ThreadPoolExecutor executor, Runnable onClose) {
        this.options = options;
        this.client = client;
        this.executor = executor;
        this.onClose = onClose;
    }

    /**
     * Builds the client (it connects lazily, on the first call, or in {@link #awaitReachable}) with
     * one reference held by the caller.
     *
     * @param password the password of {@link EtcdOptions#user()}, {@code null} without a user;
     *                 {@link EtcdOptions} hands it out to no one, so {@code EtcdState} passes it
     * @param onClose  run after the client is closed (e.g. closing a guard owned with it)
     */
    public static EtcdConnection open(EtcdOptions options, String password, Runnable onClose) {
        if ((options.user() == null) != (password == null)) {
            throw new IllegalArgumentException("an etcd password goes with EtcdOptions.user(): pass it exactly when there is a user");
        }
        ThreadPoolExecutor executor = new ThreadPoolExecutor(EXECUTOR_THREADS, EXECUTOR_THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(EXECUTOR_QUEUE), r -> {
                    Thread t = new Thread(r, "exstate-etcd-client-" + THREAD_IDS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        try {
            ClientBuilder b = Client.builder()
                    .endpoints(options.endpoints().toArray(String[]::new))
                    .connectTimeout(options.connectTimeout())
                    .keepaliveTime(options.keepAliveTime())
                    .keepaliveTimeout(options.keepAliveTimeout())
                    .waitForReady(false)
                    .retryMaxAttempts(0)
                    .maxInboundMessageSize(options.maxInboundMessageSize())
                    .executorService(executor);
            if (options.user() != null) {
                b.user(EtcdKeys.bytes(options.user())).password(EtcdKeys.bytes(password));
            }
            if (options.tls()) {
                b.sslContext(ssl -> {
                    if (options.trustCertificates() != null) {
                        ssl.trustManager(options.trustCertificates().toFile());
                    }
                    if (options.clientCertificate() != null) {
                        ssl.keyManager(options.clientCertificate().toFile(), options.clientKey().toFile());
                    }
                });
                if (options.authority() != null) {
                    b.authority(options.authority());
                }
            }
            return new EtcdConnection(options, b.build(), executor, onClose);
        } catch (SSLException e) {
            executor.shutdownNow();
            throw new IllegalArgumentException("etcd TLS setup failed for " + options.endpoints()
                    + ": check trustCertificates / clientCertificate (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    public EtcdOptions options() {
        return options;
    }

    public KV kv() {
        return client.getKVClient();
    }

    public Lease lease() {
        return client.getLeaseClient();
    }

    public Watch watch() {
        return client.getWatchClient();
    }

    /**
     * Waits until etcd answers a read of {@code key} (a count-only GET, so the probe needs no more
     * permission than the caller itself), retrying with backoff within
     * {@link EtcdOptions#startupTimeout()}; each attempt waits at most twice the connect timeout.
     * This is the first connection, made outside the guard: a slow first handshake on a busy
     * host neither counts against the breaker nor is cut short by a per-call timeout. A zero
     * start-up timeout returns at once.
     *
     * @param keys the prefix the caller will use, for messages
     * @throws StateAccessDeniedException at once if etcd refuses the credentials or permissions
     * @throws dev.exstate.guard.StateUnavailableException when no attempt succeeded in time, with
     *                                                     the real elapsed time and the last cause
     */
    public void awaitReachable(String keys, ByteSequence key) {
        if (options.startupTimeout().isZero()) {
            return;
        }
        long attemptMillis = Math.max(1000, options.connectTimeout().multipliedBy(2).toMillis());
        StartupRetry.connect("etcd", options.endpoints().toString(), options.startupTimeout(),
                "check that etcd runs there and that the endpoints and TLS settings are right", () -> {
                    CompletableFuture<GetResponse> read = kv().get(key, GetOption.builder().withCountOnly(true).build());
                    try {
                        return read.get(attemptMillis, TimeUnit.MILLISECONDS);
                    } catch (ExecutionException e) {
                        StateAccessDeniedException denied = EtcdErrors.accessDenied(e, "connect", keys, options);
                        if (denied != null) {
                            throw denied;
                        }
                        String tls = dev.exstate.internal.TlsFiles.describeHandshakeFailure(e);
                        if (tls != null) {
                            // retried (certificates may be mid-rotation), but the last cause says what to check
                            throw new java.io.IOException("TLS handshake with etcd failed: " + tls, e.getCause());
                        }
                        throw e.getCause() instanceof Exception cause ? cause : e;
                    } catch (TimeoutException e) {
                        read.cancel(true);
                        throw new TimeoutException("no answer within " + attemptMillis + " ms");
                    }
                });
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Takes one more reference.
     *
     * @throws IllegalStateException if the connection is already closed
     */
    public EtcdConnection retain() {
        synchronized (lock) {
            if (references == 0) {
                throw new IllegalStateException("the etcd connection to " + options.endpoints()
                        + " is closed; build providers from an open EtcdState");
            }
            references++;
            return this;
        }
    }

    /**
     * The idempotent close of one holder of a reference: drops the holder's reference the first
     * time {@code holderClosed} turns true, and does nothing after that.
     */
    public void releaseOnce(AtomicBoolean holderClosed) {
        if (holderClosed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Drops one reference; the last one closes the client. Extra calls are ignored. */
    public void release() {
        synchronized (lock) {
            if (references == 0) {
                return;
            }
            references--;
            if (references > 0) {
                return;
            }
            closed = true;
        }
        try {
            client.close();
        } catch (RuntimeException e) {
            log.warn("closing the etcd client for {} failed: {}", options.endpoints(), e.toString());
        }
        executor.shutdownNow();
        try {
            onClose.run();
        } catch (RuntimeException e) {
            log.warn("cleanup after closing the etcd client failed: {}", e.toString());
        }
    }

    @Override
    public String toString() {
        return "EtcdConnection[" + options.endpoints() + (closed ? ", closed" : "") + "]";
    }
}
