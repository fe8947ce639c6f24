package dev.exstate.internal.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LeaseEngine: timers armed lazily")
class LeaseEngineArmingTest {

    /** Grants every free name; counts renewals. */
    private static final class CountingBackend implements LeaseBackend {
        final Map<String, String> holders = new ConcurrentHashMap<>();
        final AtomicLong tokens = new AtomicLong();
        final AtomicInteger renewals = new AtomicInteger();

        @Override
        public OptionalLong acquire(String name, String owner, Duration ttl) {
            return holders.putIfAbsent(name, owner) == null ? OptionalLong.of(tokens.incrementAndGet()) : OptionalLong.empty();
        }

        @Override
        public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
            return acquire(name + "#" + tick, owner, ttl);
        }

        @Override
        public boolean renew(String name, String owner, long token, Duration ttl) {
            renewals.incrementAndGet();
            return owner.equals(holders.get(name));
        }

        @Override
        public void release(String name, String owner, long token) {
            holders.remove(name, owner);
        }

        @Override
        public String backendName() {
            return "counting";
        }
    }

    @Test
    @DisplayName("leases released before their batch is armed never schedule a renewal or deadline timer")
    void shortHeldLeasesCostNoTimer() {
        CountingBackend backend = new CountingBackend();
        try (LeaseEngine engine = new LeaseEngine(backend, StateClock.system(), TimeUnit.SECONDS.toNanos(20))) {
            LeaseOptions options = LeaseOptions.of(Duration.ofMinutes(10));
            for (int i = 0; i < 1000; i++) {
                try (Lease lease = engine.tryAcquire("job-" + (i % 7), options).orElseThrow()) {
                    assertThat(lease.isValid()).isTrue();
                }
            }
            assertThat(engine.timerTasks()).as("renewal and deadline timers scheduled for 1000 short-held leases").isZero();
            assertThat(backend.holders).as("every lease released").isEmpty();
        }
    }

    @Test
    @DisplayName("a lease still held when its batch is armed is renewed and watched as usual")
    void heldLeaseIsArmedAndRenewed() {
        CountingBackend backend = new CountingBackend();
        try (LeaseEngine engine = new LeaseEngine(backend, StateClock.system())) {
            LeaseOptions options = LeaseOptions.builder(Duration.ofSeconds(2)).renewEvery(Duration.ofMillis(200)).build();
            Lease lease = engine.tryAcquire("held", options).orElseThrow();

            await().atMost(Duration.ofSeconds(30)).until(() -> backend.renewals.get() >= 3);
            assertThat(lease.isValid()).isTrue();
            assertThat(engine.timerTasks()).isPositive();

            backend.holders.put("held", "someone else");
            AtomicInteger lost = new AtomicInteger();
            lease.onLost(lost::incrementAndGet);
            await().atMost(Duration.ofSeconds(30)).until(() -> lost.get() == 1);
            assertThat(lease.isValid()).isFalse();
        }
    }
}
