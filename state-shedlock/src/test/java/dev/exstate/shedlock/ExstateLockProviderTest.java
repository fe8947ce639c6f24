package dev.exstate.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.lease.InvalidLeaseNameException;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link ExstateLockProvider} on the in-memory lease backend, two "replicas" sharing it. Time is a
 * manual clock: lease expiry ({@code lockAtMostFor}) and the end of {@code lockAtLeastFor} move only
 * when the test advances it; the provider's release timer reads it at least once a second, so the
 * tests wait for outcomes, never for a time.
 */
@DisplayName("ExstateLockProvider (in memory)")
class ExstateLockProviderTest {
    private static final Duration AT_MOST = Duration.ofMinutes(10);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-05T08:00:00Z"));
    private final InMemoryBackend backend = InMemoryBackend.create(clock);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        TestLocks.tearDown(closeAfter);
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10));
    }

    private ExstateLockProvider replica() {
        LeaseProvider leases = backend.leaseProvider();
        closeAfter.add(leases);
        ExstateLockProvider p = new ExstateLockProvider(leases, ExstateLockProvider.DEFAULT_LEASE_PREFIX, clock);
        closeAfter.add(p);
        return p;
    }

    private LockConfiguration config(String name, Duration atMost, Duration atLeast) {
        return new LockConfiguration(clock.now(), name, atMost, atLeast);
    }

    private LockConfiguration config(String name) {
        return config(name, AT_MOST, Duration.ZERO);
    }

    @Nested
    @DisplayName("the lock")
    class TheLock {
        @Test
        @DisplayName("is refused to a second replica while held, and taken again after unlock with a greater token")
        void heldLockIsRefusedAndReleasedLockIsReacquirable() {
            ExstateLockProvider a = replica();
            ExstateLockProvider b = replica();
            SimpleLock first = a.lock(config("report")).orElseThrow();
            assertThat(b.lock(config("report"))).isEmpty();
            assertThat(a.lock(config("report"))).as("not reentrant, as ShedLock's providers").isEmpty();
            assertThat(b.lock(config("other"))).as("another name is another lock").isPresent();

            first.unlock();
            ExstateLock second = (ExstateLock) b.lock(config("report")).orElseThrow();
            assertThat(second.fencingToken()).isGreaterThan(((ExstateLock) first).fencingToken());
            assertThat(second.name()).isEqualTo("report");
            assertThat(second.isValid()).isTrue();
            assertThat(((ExstateLock) first).isValid()).isFalse();
        }

        @Test
        @DisplayName("is the lease 'shedlock:<name>' with lockAtMostFor as its TTL, not renewed: after it another replica takes it")
        void lockAtMostForIsTheLeaseTtl() {
            ExstateLockProvider a = replica();
            LeaseProvider plain = backend.leaseProvider();
            closeAfter.add(plain);
            ExstateLock held = (ExstateLock) a.lock(config("report", Duration.ofMinutes(5), Duration.ZERO)).orElseThrow();
            assertThat(plain.tryAcquire("shedlock:report", Duration.ofSeconds(1))).as("the lease under the lock").isEmpty();

            clock.advance(Duration.ofMinutes(4));
            assertThat(replica().lock(config("report"))).isEmpty();
            clock.advance(Duration.ofMinutes(1).plusMillis(1));
            assertThat(held.isValid()).isFalse();
            Optional<SimpleLock> taken = replica().lock(config("report"));
            assertThat(taken).isPresent();
            assertThat(((ExstateLock) taken.get()).fencingToken()).isGreaterThan(held.fencingToken());
            held.unlock(); // the late unlock of the old holder must not free the new holder's lock
            assertThat(replica().lock(config("report"))).isEmpty();
        }

        @Test
        @DisplayName("unlocked before lockAtLeastFor has passed, stays taken until it has, then is free")
        void lockAtLeastForIsHonoured() {
            ExstateLockProvider a = replica();
            ExstateLockProvider b = replica();
            LockConfiguration c = config("report", AT_MOST, Duration.ofMinutes(1));
            SimpleLock lock = a.lock(c).orElseThrow();
            clock.advance(Duration.ofSeconds(10));
            lock.unlock();
            lock.unlock(); // idempotent

            assertThat(b.lock(config("report"))).as("10 s after it was taken").isEmpty();
            clock.advance(Duration.ofSeconds(49));
            // passes at once on a slow machine; fails only if the lock was freed before lockAtLeastFor
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(60))
                    .until(() -> b.lock(config("probe-" + System.nanoTime())).map(l -> { l.unlock(); return true; }).orElse(false));
            assertThat(b.lock(config("report"))).as("59 s after").isEmpty();
            clock.advance(Duration.ofSeconds(1));
            eventually().until(() -> b.lock(config("report")).isPresent());
        }

        @Test
        @DisplayName("kept for lockAtLeastFor even if its replica's lease provider closes meanwhile (a shutdown right after the run)")
        void lockAtLeastForOutlivesProviderClose() throws Exception {
            LeaseProvider leases = backend.leaseProvider();
            ExstateLockProvider a = new ExstateLockProvider(leases, ExstateLockProvider.DEFAULT_LEASE_PREFIX, clock);
            a.lock(config("report", AT_MOST, Duration.ofMinutes(1))).orElseThrow().unlock();
            a.close();
            leases.close();

            ExstateLockProvider b = replica();
            assertThat(b.lock(config("report"))).isEmpty();
            clock.advance(AT_MOST);
            assertThat(b.lock(config("report"))).as("the lease ran out at lockAtMostFor").isPresent();
        }

        @Test
        @DisplayName("unlocked after lockAtLeastFor has passed, is free at once")
        void unlockAfterLockAtLeastForReleases() {
            ExstateLockProvider a = replica();
            SimpleLock lock = a.lock(config("report", AT_MOST, Duration.ofSeconds(30))).orElseThrow();
            clock.advance(Duration.ofSeconds(30));
            lock.unlock();
            assertThat(replica().lock(config("report"))).isPresent();
        }
    }

    @Nested
    @DisplayName("the fencing token")
    class FencingToken {
        @Test
        @DisplayName("is available to the task ShedLock's LockingTaskExecutor runs, innermost lock first, and gone after")
        void availableInsideTheTask() throws Throwable {
            ExstateLockProvider a = replica();
            DefaultLockingTaskExecutor executor = new DefaultLockingTaskExecutor(a);
            AtomicReference<OptionalLong> outer = new AtomicReference<>();
            AtomicReference<OptionalLong> inner = new AtomicReference<>();
            AtomicReference<OptionalLong> outerAgain = new AtomicReference<>();
            executor.executeWithLock((Runnable) () -> {
                outer.set(ExstateLockProvider.currentFencingToken());
                try {
                    executor.executeWithLock((Runnable) () -> inner.set(ExstateLockProvider.currentFencingToken()),
                            config("inner"));
                } catch (RuntimeException e) {
                    throw e;
                }
                outerAgain.set(ExstateLockProvider.currentFencingToken());
            }, config("outer"));

            assertThat(outer.get()).isPresent();
            assertThat(inner.get()).isPresent();
            assertThat(inner.get()).isNotEqualTo(outer.get());
            assertThat(outerAgain.get()).isEqualTo(outer.get());
            assertThat(ExstateLockProvider.currentFencingToken()).isEmpty();
            assertThat(ExstateLockProvider.currentLock()).isEmpty();
        }

        @Test
        @DisplayName("of a lock unlocked on another thread is no longer current on the thread that took it")
        void unlockOnAnotherThread() throws Exception {
            ExstateLockProvider a = replica();
            SimpleLock lock = a.lock(config("report")).orElseThrow();
            assertThat(ExstateLockProvider.currentLock()).containsSame((ExstateLock) lock);
            Thread t = new Thread(lock::unlock);
            t.start();
            t.join();
            assertThat(ExstateLockProvider.currentLock()).isEmpty();
        }

        @Test
        @DisplayName("increases with every holder, across replicas")
        void increasesAcrossHolders() {
            ExstateLockProvider a = replica();
            ExstateLockProvider b = replica();
            long last = 0;
            for (int i = 0; i < 6; i++) {
                ExstateLock lock = (ExstateLock) (i % 2 == 0 ? a : b).lock(config("report")).orElseThrow();
                assertThat(lock.fencingToken()).isGreaterThan(last);
                last = lock.fencingToken();
                lock.unlock();
            }
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {
        @Test
        @DisplayName("a lock name that makes no valid lease name fails with InvalidLeaseNameException naming it; nothing is taken")
        void invalidLockNames() {
            ExstateLockProvider a = replica();
            assertThatThrownBy(() -> a.lock(config("bad\nname"))).isInstanceOf(InvalidLeaseNameException.class)
                    .hasMessageContaining("bad\\u000aname").hasMessageContaining("ShedLock lock name");
            assertThatThrownBy(() -> a.lock(config("x".repeat(200)))).isInstanceOf(InvalidLeaseNameException.class)
                    .hasMessageContaining("at most 191");
            assertThatThrownBy(() -> a.lock(config(" "))).isInstanceOf(InvalidLeaseNameException.class);
            assertThat(a.lock(config("x".repeat(191)))).as("the longest name that fits").isPresent();
        }

        @Test
        @DisplayName("a lockAtMostFor the lease cannot have, and a bad prefix, are refused")
        void badDurationsAndPrefix() {
            ExstateLockProvider a = replica();
            assertThatThrownBy(() -> a.lock(config("report", Duration.ofDays(400), Duration.ZERO)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'report'")
                    .hasMessageContaining("lockAtMostFor");
            assertThatThrownBy(() -> new ExstateLockProvider(backend.leaseProvider(), "bad\tprefix:"))
                    .isInstanceOf(InvalidLeaseNameException.class);
        }
    }

    @Test
    @DisplayName("the lease under a lock holds the same fencing token the lock reports")
    void tokenIsTheLeases() {
        ExstateLockProvider a = replica();
        ExstateLock lock = (ExstateLock) a.lock(config("report")).orElseThrow();
        Lease lease = lock.lease();
        assertThat(lease.name()).isEqualTo("shedlock:report");
        assertThat(lock.fencingToken()).isEqualTo(lease.fencingToken());
        assertThat(lock.toString()).contains("report", "held");
    }
}
