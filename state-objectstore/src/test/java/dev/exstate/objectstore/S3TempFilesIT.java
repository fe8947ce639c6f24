package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.blob.BlobInfo;
import dev.exstate.blob.InvalidBlobKeyException;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.time.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Temporary files on S3, cleaned by a job that two replicas schedule through the leased scheduler
 * (leases from the in-memory backend): expiry is moved by a manual clock, the scheduler ticks on
 * the system clock.
 */
@DisplayName("TempFiles on S3 with the leased cleanup job")
class S3TempFilesIT {
    @RegisterExtension
    static final S3Fixture s3 = S3Fixture.endpoint();

    @Test
    @DisplayName("expired files are deleted once, by whichever replica holds the job's lease; live ones stay")
    void cleanupRunsOnOneReplica() {
        ManualClock expiryClock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
        S3Options options = s3.backend().newBucket().build();
        InMemoryBackend leases = InMemoryBackend.create();
        AtomicInteger deletedInTotal = new AtomicInteger();
        List<ScheduledJob> jobs = new ArrayList<>();
        List<TempFiles> replicas = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            TempFiles temp = new TempFiles(s3.store(options), expiryClock);
            replicas.add(temp);
            LeaseProvider provider = s3.closeAfter(leases.leaseProvider());
            LeasedScheduler scheduler = s3.closeAfter(LeasedScheduler.builder(provider).build());
            // fixed delay: the lease is held while a run lasts, so runs never overlap across replicas; a 1 s
            // delay (and lease) leaves a late renewer thread most of a second before the lease could lapse
            jobs.add(scheduler.scheduleWithFixedDelay("tmp-cleanup", Duration.ofSeconds(1),
                    ctx -> deletedInTotal.addAndGet(temp.cleanup(ctx::isLeaseValid))));
        }
        List<BlobInfo> expiring = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            expiring.add(replicas.get(i % 2).put("part-" + i, new byte[] {(byte) i}, Duration.ofMinutes(5)));
        }
        BlobInfo lasting = replicas.get(0).put("keep", new byte[] {1}, Duration.ofHours(5));

        expiryClock.advance(Duration.ofMinutes(10));

        S3BlobStore observer = s3.store(options);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> observer.list(TempFiles.PREFIX, null, 100).items().size() == 1);
        assertThat(observer.stat(lasting.key())).isPresent();
        for (BlobInfo gone : expiring) {
            assertThat(observer.stat(gone.key())).isEmpty();
        }
        assertThat(deletedInTotal).as("each expired file deleted by exactly one run").hasValue(12);
        assertThat(jobs.stream().mapToLong(ScheduledJob::completedRuns).sum()).isPositive();
    }

    @Test
    @DisplayName("a key handed to a client reaches only its own temporary file: other keys of the bucket are refused before S3 is asked")
    void onlyIssuedKeysAreServed() {
        S3Options options = s3.backend().newBucket().build();
        S3BlobStore store = s3.store(options);
        TempFiles temp = new TempFiles(store);
        store.put("private/payroll.csv", "salaries".getBytes(StandardCharsets.UTF_8));
        BlobInfo issued = temp.put("export.csv", "a,b".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(5));
        String forgedSameShape = issued.key().replaceFirst("/[0-9a-f-]{36}/", "/" + UUID.randomUUID() + "/");
        List<String> refused = List.of("private/payroll.csv", "tmp/../private/payroll.csv", "tmp/0000000000000/x/../../private/payroll.csv",
                TempFiles.PREFIX + "9999999999999/private/payroll.csv", "tmp/" + issued.key(), issued.key() + "\u0000",
                TempFiles.key("exstate-cas-" + UUID.randomUUID(), Instant.now().plusSeconds(60)));

        for (String key : refused) {
            assertThatThrownBy(() -> temp.get(key)).as("get %s", key).isInstanceOf(InvalidBlobKeyException.class);
            assertThatThrownBy(() -> temp.stat(key)).as("stat %s", key).isInstanceOf(InvalidBlobKeyException.class);
            assertThatThrownBy(() -> temp.delete(key)).as("delete %s", key).isInstanceOf(InvalidBlobKeyException.class);
        }

        assertThat(store.get("private/payroll.csv").orElseThrow().readAllBytes()).isEqualTo("salaries".getBytes(StandardCharsets.UTF_8));
        assertThat(temp.get(issued.key()).orElseThrow().readAllBytes()).isEqualTo("a,b".getBytes(StandardCharsets.UTF_8));
        assertThat(temp.get(forgedSameShape)).as("a guessed id finds nothing").isEmpty();
        temp.delete(issued.key());
        assertThat(store.stat(issued.key())).isEmpty();
        assertThat(store.guard().stats().failures()).isZero();
    }
}
