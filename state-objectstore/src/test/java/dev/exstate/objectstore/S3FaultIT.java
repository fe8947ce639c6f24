package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.testkit.fault.FaultProxy;
import dev.exstate.testkit.internal.GeneratedContent;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Network faults between {@link S3BlobStore} and S3, injected by the testkit's TCP fault proxy:
 * the store talks to the proxy, a second store (the "observer") talks to S3 directly.
 */
@DisplayName("S3BlobStore under network faults")
class S3FaultIT {
    private static final int PART = S3Options.MIN_PART_SIZE;

    @RegisterExtension
    static final S3Fixture s3 = S3Fixture.endpoint();
    private FaultProxy proxy;
    private String bucket;

    @BeforeEach
    void startProxy() {
        proxy = s3.closeAfter(FaultProxy.to(s3.backend().endpoint().getHost(), s3.backend().endpoint().getPort()));
        bucket = s3.backend().createBucket(S3TestEndpoint.freshBucketName());
    }

    /**
     * A store that reaches S3 through the fault proxy. The read timeout is the default (30 s): on a busy
     * machine the in-process s3proxy may take seconds to answer a 5 MiB part, and only the stalled-download
     * test is about the read timeout (it sets its own).
     */
    private S3BlobStore throughProxy(GuardPolicy policy) {
        return throughProxy(policy, Duration.ofSeconds(30));
    }

    private S3BlobStore throughProxy(GuardPolicy policy, Duration readTimeout) {
        return s3.store(s3.backend().options(bucket).endpoint(proxy.uri("http")).partSize(PART)
                .guardPolicy(policy).readTimeout(readTimeout).build());
    }

    /** A store that reaches S3 directly, to look at what is stored. */
    private S3BlobStore observer() {
        return s3.store(s3.backend().options(bucket).build());
    }

    /** Retries are the subject, not deadlines: generous enough for a starved s3proxy on a loaded machine. */
    private static GuardPolicy patient() {
        return GuardPolicy.builder().timeout(Duration.ofSeconds(20)).totalTimeout(Duration.ofSeconds(90))
                .maxRetries(4).retryBackoff(Duration.ofMillis(20)).minimumNumberOfCalls(50).slidingWindowSize(100).build();
    }

    /** Polls the key from another replica until stopped, recording the size of every sighting. */
    private static final class Watcher implements AutoCloseable {
        final List<String> sightings = new CopyOnWriteArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final CompletableFuture<Void> done;

        Watcher(S3BlobStore observer, String key) {
            done = CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    observer.stat(key).ifPresent(i -> sightings.add("stat: " + i.size() + " bytes"));
                    observer.list("", null, 1000).items().stream().filter(i -> i.key().equals(key))
                            .forEach(i -> sightings.add("list: " + i.size() + " bytes"));
                    sleep(5);
                }
            });
        }

        @Override
        public void close() throws ExecutionException, TimeoutException {
            stop.set(true);
            try {
                done.get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    @DisplayName("connections reset mid-upload: the parts are retried and exactly one complete, correct object appears, never a partial one")
    void resetMidMultipartIsRetried() throws Exception {
        S3BlobStore store = throughProxy(patient());
        S3BlobStore observer = observer();
        long size = 6L * PART + 123;
        // slow enough that parts are on the wire when the reset hits
        proxy.bandwidth(25_000_000);
        GeneratedContent content = new GeneratedContent(size, 21).onReaching(3L * PART + PART / 2, proxy::resetAll);

        BlobInfo info;
        try (Watcher watcher = new Watcher(observer, "big.bin")) {
            info = store.put("big.bin", content, -1, PutOptions.defaults());
            // the completed object may show up a moment before the put returns; a partial one never
            assertThat(watcher.sightings).as("seen while the put ran").allMatch(s -> s.endsWith(" " + size + " bytes"));
        }

        assertThat(store.guard().stats().retries()).as("retried after the reset").isPositive();
        assertThat(info.size()).isEqualTo(size);
        assertThat(observer.list("", null, 1000).items()).extracting(BlobInfo::key).containsOnlyOnce("big.bin");
        try (Blob blob = observer.get("big.bin", true).orElseThrow()) {
            assertThat(GeneratedContent.sha256(blob.content())).isEqualTo(GeneratedContent.digestOf(size, 21));
        }
        if (s3.backend().server() != null) {
            assertThat(s3.backend().server().storedNames(bucket)).as("no parts left behind").containsExactly("big.bin");
        }
    }

    @Test
    @DisplayName("a network that stays down fails the put as unavailable with nothing visible; the caller's retry then stores one correct object")
    void persistentFailureThenRetry() throws Exception {
        S3BlobStore store = throughProxy(patient().toBuilder().maxRetries(2).build());
        S3BlobStore observer = observer();
        long size = 4L * PART + 7;
        proxy.bandwidth(25_000_000);
        GeneratedContent first = new GeneratedContent(size, 22).onReaching(2L * PART + PART / 2, () -> {
            proxy.refuseNew(true);
            proxy.resetAll();
        });

        try (Watcher watcher = new Watcher(observer, "doc.bin")) {
            assertThatThrownBy(() -> store.put("doc.bin", first, -1, PutOptions.defaults()))
                    .isInstanceOf(StateUnavailableException.class);
            assertThat(observer.stat("doc.bin")).isEmpty();
            proxy.heal();
            BlobInfo info = store.put("doc.bin", new GeneratedContent(size, 22), -1, PutOptions.defaults());
            assertThat(info.size()).isEqualTo(size);
            assertThat(watcher.sightings).allMatch(s -> s.endsWith(" " + size + " bytes"));
        }

        assertThat(observer.list("", null, 1000).items()).extracting(BlobInfo::key).containsOnlyOnce("doc.bin");
        try (Blob blob = observer.get("doc.bin", true).orElseThrow()) {
            assertThat(GeneratedContent.sha256(blob.content())).isEqualTo(GeneratedContent.digestOf(size, 22));
        }
    }

    @Test
    @DisplayName("latency above the per-attempt timeout fails calls with StateTimeoutException within the total timeout")
    void latencyTimesOut() {
        GuardPolicy quick = GuardPolicy.builder().timeout(Duration.ofMillis(300)).totalTimeout(Duration.ofSeconds(1))
                .retryBackoff(Duration.ofMillis(20)).build();
        S3BlobStore store = throughProxy(quick);
        // stored directly: the store under test has deadlines too short for a busy machine's first request
        observer().put("k", "v".getBytes(StandardCharsets.UTF_8));
        // the store's first contact (and connection) before the latency starts
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> store.stat("k").isPresent());
        proxy.latency(Duration.ofSeconds(2));

        // the answer would come after 4 s and be a success: a StateTimeoutException is the guard's deadline at work
        assertThatThrownBy(() -> store.stat("k"))
                .isInstanceOf(StateTimeoutException.class)
                .hasMessageContaining("blob.stat");
        assertThatThrownBy(() -> store.put("k2", "v".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(StateTimeoutException.class);
        assertThat(store.guard().stats().timeouts()).isGreaterThanOrEqualTo(2);

        proxy.heal();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> store.stat("k").isPresent());
    }

    @Test
    @DisplayName("a GET whose reply comes after the guard gave up has that reply closed: its connection is not leaked")
    void lateRepliesOfAbandonedGetsAreClosed() {
        GuardPolicy quick = GuardPolicy.builder().timeout(Duration.ofMillis(300)).totalTimeout(Duration.ofSeconds(1))
                .retryBackoff(Duration.ofMillis(20)).build();
        S3BlobStore store = throughProxy(quick);
        observer().put("late", "v".getBytes(StandardCharsets.UTF_8));
        // the store's first contact (and connection) before the latency starts
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> store.stat("late").isPresent());
        await().atMost(Duration.ofSeconds(60)).until(() -> store.busyConnections() == 0);
        proxy.latency(Duration.ofSeconds(2));

        // every attempt's reply arrives about 4 s after it was sent, long after the guard gave up on it
        assertThatThrownBy(() -> store.get("late")).isInstanceOf(StateTimeoutException.class).hasMessageContaining("blob.get");
        assertThat(store.guard().stats().timeouts()).isPositive();
        // the replies still come (a success each, with the object's headers); each must be closed on arrival
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> store.busyConnections() == 0);

        proxy.heal();
        try (Blob blob = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> store.get("late").orElse(null),
                java.util.Objects::nonNull)) {
            assertThat(new String(blob.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("v");
        }
    }

    @Test
    @DisplayName("a download whose body stalls fails the read within the read timeout, not never")
    void stalledDownloadFailsTheRead() throws Exception {
        S3BlobStore store = throughProxy(patient(), Duration.ofSeconds(2));
        store.put("stream.bin", new GeneratedContent(6L * PART, 23), -1, PutOptions.defaults());

        try (Blob blob = store.get("stream.bin").orElseThrow()) {
            InputStream in = blob.content();
            byte[] buf = new byte[64 * 1024];
            assertThat(in.read(buf)).isPositive();
            proxy.blackhole(true);
            // nothing arrives any more: only the read timeout can end the loop
            assertThatThrownBy(() -> {
                while (in.read(buf) != -1) {
                    // drain what was already buffered, then stall
                }
            }).isInstanceOf(SocketTimeoutException.class);
        } catch (java.io.UncheckedIOException closeAfterFailure) {
            // closing a broken stream may fail too; the assertion above is what matters
        }
    }

    @Test
    @DisplayName("a create-only put whose first reply was lost recognises its own write on retry instead of failing")
    void lostReplyOfConditionalPut() throws Exception {
        // 1 s per attempt against 2 s of latency each way: every attempt times out until the link heals,
        // and once it has healed an attempt has a whole second, even on a busy machine
        GuardPolicy policy = GuardPolicy.builder().timeout(Duration.ofSeconds(1)).totalTimeout(Duration.ofSeconds(60))
                .maxRetries(30).retryBackoff(Duration.ofMillis(20)).build();
        S3BlobStore store = throughProxy(policy);
        S3BlobStore observer = observer();
        // open a connection before the latency starts
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> store.stat("warm-up").isEmpty());
        proxy.latency(Duration.ofSeconds(2));

        CompletableFuture<BlobInfo> put = CompletableFuture.supplyAsync(
                () -> store.put("once", "mine".getBytes(StandardCharsets.UTF_8), PutOptions.ifAbsent()));
        // the first attempt's request lands, its reply is still held back when its deadline passes
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> observer.stat("once").isPresent() && store.guard().stats().timeouts() >= 1);
        proxy.heal();

        BlobInfo info = put.get(90, TimeUnit.SECONDS);
        assertThat(info.key()).isEqualTo("once");
        assertThat(store.guard().stats().retries()).isPositive();
        assertThat(new String(observer.get("once").orElseThrow().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("mine");
        assertThat(observer.stat("once").orElseThrow().etag()).isEqualTo(info.etag());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
