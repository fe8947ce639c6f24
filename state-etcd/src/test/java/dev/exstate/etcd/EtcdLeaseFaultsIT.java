package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.guard.StateUnavailableException;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Leases when the holder's link to etcd goes silent. */
@DisplayName("EtcdLeaseProvider under a black-holed keep-alive")
class EtcdLeaseFaultsIT {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    @DisplayName("a holder whose keep-alives are black-holed sees isValid() false before another replica acquires, "
            + "and the new token is greater; after healing, its stale release leaves the new holder alone")
    void blackholedHolderLosesLeaseBeforeTakeover() {
        try (EtcdServer etcd = EtcdServer.builder().start();
             FaultProxy proxy = FaultProxy.to(etcd.host(), etcd.clientPort())) {
            EtcdOptions direct = EtcdTesting.options(etcd.endpoint()).build();
            EtcdOptions viaProxy = EtcdTesting.options("http://" + proxy.hostAndPort()).appName(direct.appName()).build();
            // a short TTL, as expiry is the subject, renewed often so that a late renewer thread cannot lose
            // a lease that is still reachable (the new holder's must survive until the end of the test)
            Duration ttl = Duration.ofSeconds(2);
            LeaseOptions options = LeaseOptions.builder(ttl).renewEvery(Duration.ofMillis(200)).build();
            try (EtcdState holderState = EtcdState.connect(viaProxy);
                 EtcdState otherState = EtcdState.connect(direct);
                 EtcdLeaseProvider holderSide = holderState.leaseProvider();
                 EtcdLeaseProvider otherSide = otherState.leaseProvider()) {
                Lease held = holderSide.tryAcquire("nightly", options).orElseThrow();
                AtomicLong lostAt = new AtomicLong();
                held.onLost(() -> lostAt.set(System.nanoTime()));

                long cutAt = System.nanoTime();
                proxy.blackhole(true);
                boolean[] holderValidWhenTaken = {true};
                Lease taken = await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
                    Optional<Lease> got = otherSide.tryAcquire("nightly", options);
                    got.ifPresent(l -> holderValidWhenTaken[0] = held.isValid());
                    return got.orElse(null);
                }, l -> l != null);
                long takenAt = System.nanoTime();

                assertThat(holderValidWhenTaken[0]).as("holder still believed it held the lease when it was taken").isFalse();
                assertThat(taken.fencingToken()).isGreaterThan(held.fencingToken());
                await().atMost(PATIENCE).until(() -> lostAt.get() != 0);
                System.out.printf("blackholed holder: lost its lease %d ms after the cut, taken over after %d ms (ttl %d ms)%n",
                        TimeUnit.NANOSECONDS.toMillis(lostAt.get() - cutAt), TimeUnit.NANOSECONDS.toMillis(takenAt - cutAt),
                        ttl.toMillis());

                proxy.heal();
                // once the holder's replica reaches etcd again, its stale release must not free the new holder's lease
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).ignoreException(StateUnavailableException.class)
                        .until(() -> holderSide.tryAcquire("probe", options).isPresent());
                held.release();
                assertThat(holderSide.tryAcquire("nightly", options)).isEmpty();
                assertThat(taken.isValid()).isTrue();
                assertThat(taken.renew()).as("the new holder is untouched").isTrue();
            }
        }
    }
}
