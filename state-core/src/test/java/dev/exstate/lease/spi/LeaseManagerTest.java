package dev.exstate.lease.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.guard.StateUnavailableException;
import dev.exstate.lease.InvalidLeaseNameException;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.ScriptedLeaseBackend.Answer;
import dev.exstate.time.ManualClock;
import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** LeaseManager's own logic (deadline, renewal, callbacks, release) over a scripted SPI. */
class LeaseManagerTest {
    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration MARGIN = Duration.ofSeconds(1);
    private static final LeaseOptions MANUAL = LeaseOptions.builder(TTL).autoRenew(false).safetyMargin(MARGIN).build();

    private final ScriptedLeaseBackend backend = new ScriptedLeaseBackend();
    private final ManualClock clock = new ManualClock();
    private final List<LeaseManager> managers = new ArrayList<>();

    private LeaseManager manager(StateClock c) {
        LeaseManager m = new LeaseManager(backend, c);
        managers.add(m);
        return m;
    }

    private LeaseManager manager() {
        return manager(clock);
    }

    private Lease acquire(LeaseManager m, String name, LeaseOptions options) {
        return m.tryAcquire(name, options).orElseThrow();
    }

    @AfterEach
    void closeManagers() {
        managers.forEach(LeaseManager::close);
    }

    @Nested
    @DisplayName("acquiring")
    class Acquiring {

        @Test
        @DisplayName("invalid names are rejected before the backend is asked")
        void invalidNamesAreRejected() {
            LeaseManager m = manager();
            for (String bad : new String[] {null, "", "   ", "a".repeat(201), "a\nb", "tab\there", "nul\u0000"}) {
                assertThatThrownBy(() -> m.tryAcquire(bad, MANUAL)).isInstanceOf(InvalidLeaseNameException.class);
            }
            assertThat(backend.acquireCalls).hasValue(0);
            assertThat(m.tryAcquire("a".repeat(200), MANUAL)).isPresent();
        }

        @Test
        @DisplayName("a name held elsewhere gives no lease")
        void heldNameGivesNoLease() {
            backend.acquireAnswer = Answer.NO;
            assertThat(manager().tryAcquire("held", MANUAL)).isEmpty();
        }

        @Test
        @DisplayName("an unavailable backend surfaces as StateUnavailableException")
        void unavailableBackendPropagates() {
            backend.acquireAnswer = Answer.UNAVAILABLE;
            assertThatThrownBy(() -> manager().tryAcquire("x", MANUAL)).isInstanceOf(StateUnavailableException.class);
        }

        @Test
        @DisplayName("every acquisition gets its own random 128-bit owner id")
        void ownerIdPerAcquisition() {
            LeaseManager m = manager();
            Lease a = acquire(m, "a", MANUAL);
            a.release();
            acquire(m, "a", MANUAL);
            assertThat(backend.owners).hasSize(2).doesNotHaveDuplicates()
                    .allSatisfy(o -> assertThat(o).matches("[0-9a-f]{32}"));
        }

        @Test
        @DisplayName("toString shows name and token, never the owner id")
        void toStringHidesOwner() {
            Lease lease = acquire(manager(), "report", MANUAL);
            assertThat(lease.toString()).contains("report").contains(String.valueOf(lease.fencingToken()))
                    .doesNotContain(backend.owners.get(0));
        }
    }

    @Nested
    @DisplayName("local deadline")
    class LocalDeadline {

        @Test
        @DisplayName("a lease is valid until ttl minus the safety margin after the request was sent")
        void validUntilTtlMinusMargin() {
            Lease lease = acquire(manager(), "x", MANUAL);
            assertThat(lease.remaining()).isEqualTo(TTL.minus(MARGIN));
            clock.advance(TTL.minus(MARGIN).minusNanos(1));
            assertThat(lease.isValid()).isTrue();
            clock.advance(Duration.ofNanos(1));
            assertThat(lease.isValid()).isFalse();
            assertThat(lease.remaining()).isZero();
        }

        @Test
        @DisplayName("the deadline counts from when acquire was sent, not when the answer came")
        void deadlineCountsFromRequest() {
            backend.inFlight = () -> clock.advance(Duration.ofSeconds(4));
            Lease lease = acquire(manager(), "slow", MANUAL);
            assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(5));
        }

        @Test
        @DisplayName("renew moves the deadline to ttl minus margin after the renewal was sent")
        void renewExtendsFromRequest() {
            Lease lease = acquire(manager(), "x", MANUAL);
            clock.advance(Duration.ofSeconds(5));
            backend.inFlight = () -> clock.advance(Duration.ofSeconds(2));
            assertThat(lease.renew()).isTrue();
            assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(7));
        }

        @Test
        @DisplayName("a renewal that cannot reach the backend throws and keeps the current deadline")
        void unavailableRenewalKeepsDeadline() {
            Lease lease = acquire(manager(), "x", MANUAL);
            clock.advance(Duration.ofSeconds(3));
            backend.renewAnswer = Answer.UNAVAILABLE;
            assertThatThrownBy(lease::renew).isInstanceOf(StateUnavailableException.class);
            assertThat(lease.isValid()).isTrue();
            assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(6));
            clock.advance(Duration.ofSeconds(6));
            assertThat(lease.isValid()).isFalse();
        }

        @Test
        @DisplayName("renewing after the deadline passed reports the lease lost without asking the backend")
        void renewAfterDeadlineIsLost() {
            Lease lease = acquire(manager(), "x", MANUAL);
            AtomicInteger lost = new AtomicInteger();
            lease.onLost(lost::incrementAndGet);
            clock.advance(TTL);
            assertThat(lease.renew()).isFalse();
            assertThat(lost).hasValue(1);
            assertThat(backend.renewCalls).hasValue(0);
        }
    }

    @Nested
    @DisplayName("losing and releasing")
    class LosingAndReleasing {

        @Test
        @DisplayName("a refused renewal marks the lease lost and fires every callback once")
        void refusedRenewalFiresCallbacksOnce() {
            Lease lease = acquire(manager(), "x", MANUAL);
            AtomicInteger first = new AtomicInteger();
            AtomicInteger second = new AtomicInteger();
            lease.onLost(first::incrementAndGet);
            lease.onLost(second::incrementAndGet);
            backend.renewAnswer = Answer.NO;

            assertThat(lease.renew()).isFalse();
            assertThat(lease.renew()).isFalse();

            assertThat(first).hasValue(1);
            assertThat(second).hasValue(1);
            assertThat(lease.isValid()).isFalse();
            assertThat(backend.renewCalls).as("a lost lease is not renewed again").hasValue(1);
        }

        @Test
        @DisplayName("a callback registered after the loss runs immediately")
        void lateCallbackRunsAtOnce() {
            Lease lease = acquire(manager(), "x", MANUAL);
            backend.renewAnswer = Answer.NO;
            lease.renew();
            AtomicInteger late = new AtomicInteger();
            lease.onLost(late::incrementAndGet);
            assertThat(late).hasValue(1);
        }

        @Test
        @DisplayName("a callback that throws does not keep the others from running")
        void throwingCallbackIsContained() {
            Lease lease = acquire(manager(), "x", MANUAL);
            AtomicInteger after = new AtomicInteger();
            lease.onLost(() -> {
                throw new IllegalStateException("boom");
            });
            lease.onLost(after::incrementAndGet);
            backend.renewAnswer = Answer.NO;
            assertThat(lease.renew()).isFalse();
            assertThat(after).hasValue(1);
        }

        @Test
        @DisplayName("release is idempotent, asks the backend once and fires no lost callback")
        void releaseIsIdempotentAndQuiet() {
            Lease lease = acquire(manager(), "x", MANUAL);
            AtomicInteger lost = new AtomicInteger();
            lease.onLost(lost::incrementAndGet);
            lease.release();
            lease.close();
            lease.onLost(lost::incrementAndGet);
            clock.advance(TTL.multipliedBy(2));

            assertThat(backend.releaseCalls).hasValue(1);
            assertThat(lease.isValid()).isFalse();
            assertThat(lease.renew()).isFalse();
            assertThat(backend.renewCalls).hasValue(0);
            assertThat(lost).hasValue(0);
        }

        @Test
        @DisplayName("a release the backend cannot take is logged, not thrown")
        void failedReleaseDoesNotThrow() {
            Lease lease = acquire(manager(), "x", MANUAL);
            backend.releaseAnswer = Answer.UNAVAILABLE;
            assertThatCode(lease::release).doesNotThrowAnyException();
            assertThat(lease.isValid()).isFalse();
        }
    }

    /*
     * The renewer's timers run on real time; lease validity follows the manager's clock. These
     * tests move the ManualClock past deadlines by hand and wait (generously) for the threads, so
     * a slow machine delays them but never changes their outcome.
     */
    @Nested
    @DisplayName("background renewal")
    class BackgroundRenewal {
        private static final Duration PATIENCE = Duration.ofSeconds(30);
        /** Renewals every 50 ms of real time, deadlines 10 s of test-clock time away. */
        private final LeaseOptions renewedOften = LeaseOptions.builder(TTL).renewEvery(Duration.ofMillis(50)).safetyMargin(MARGIN).build();

        private void awaitRenewals(int more) {
            int target = backend.renewCalls.get() + more;
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> backend.renewCalls.get() >= target);
        }

        @Test
        @DisplayName("an auto-renewed lease stays valid past its TTL")
        void autoRenewKeepsLeaseValid() {
            Lease lease = acquire(manager(), "auto", renewedOften);
            for (int step = 0; step < 6; step++) {
                // two more renewals: the second was sent after the clock last moved
                awaitRenewals(2);
                clock.advance(TTL.dividedBy(2));
            }
            assertThat(lease.isValid()).as("valid 3 TTLs after it was acquired").isTrue();
            assertThat(backend.renewCalls.get()).isGreaterThanOrEqualTo(12);
        }

        @Test
        @DisplayName("failed renewals are retried, and the lease is lost on the renewer thread when the deadline passes")
        void failingRenewalsEndInLoss() {
            backend.renewAnswer = Answer.UNAVAILABLE;
            Lease lease = acquire(manager(), "flaky", renewedOften);
            List<Thread> lostOn = new CopyOnWriteArrayList<>();
            lease.onLost(() -> lostOn.add(Thread.currentThread()));

            awaitRenewals(2);
            assertThat(lease.isValid()).as("failed renewals before the deadline leave the lease valid").isTrue();
            assertThat(lostOn).isEmpty();
            clock.advance(TTL);

            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> !lostOn.isEmpty());
            assertThat(lease.isValid()).isFalse();
            assertThat(backend.renewCalls.get()).as("retried until the deadline").isGreaterThanOrEqualTo(2);
            assertThat(lostOn).hasSize(1);
            assertThat(lostOn.get(0).getName()).startsWith("exstate-lease-");
            assertThat(lostOn.get(0).isDaemon()).isTrue();
        }

        @Test
        @DisplayName("a renewal hanging in a paused backend does not delay the lost callback past the deadline")
        void hangingRenewalDoesNotDelayLoss() {
            // a 1 s TTL only so that the deadline watchdog looks again within a second of real time
            Duration ttl = Duration.ofSeconds(1);
            Lease lease = acquire(manager(), "hang", LeaseOptions.builder(ttl).renewEvery(Duration.ofMillis(50)).build());
            java.util.concurrent.atomic.AtomicBoolean renewalHanging = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.CountDownLatch unblock = new java.util.concurrent.CountDownLatch(1);
            backend.inFlight = () -> {
                renewalHanging.set(true);
                try {
                    unblock.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                renewalHanging.set(false);
            };
            AtomicReference<Boolean> hangingWhenLost = new AtomicReference<>();
            lease.onLost(() -> hangingWhenLost.set(renewalHanging.get()));
            try {
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).untilTrue(renewalHanging);
                clock.advance(ttl.multipliedBy(2));
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> hangingWhenLost.get() != null);
                assertThat(hangingWhenLost.get()).as("the loss is reported while the renewal still hangs").isTrue();
                assertThat(lease.isValid()).isFalse();
            } finally {
                unblock.countDown();
            }
        }

        @Test
        @DisplayName("a lease that is not auto-renewed is reported lost when its deadline passes")
        void unrenewedLeaseIsLostAtDeadline() {
            // a 1 s TTL only so that the deadline watchdog looks again within a second of real time
            Duration ttl = Duration.ofSeconds(1);
            Lease lease = acquire(manager(), "once", LeaseOptions.builder(ttl).autoRenew(false).build());
            AtomicInteger lost = new AtomicInteger();
            lease.onLost(lost::incrementAndGet);
            assertThat(lost).hasValue(0);

            clock.advance(ttl);

            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> lost.get() == 1);
            assertThat(lease.isValid()).isFalse();
            assertThat(backend.renewCalls).hasValue(0);
        }

        @Test
        @DisplayName("a refused background renewal fires the lost callback")
        void refusedBackgroundRenewal() {
            long start = clock.nanoTime();
            Lease lease = acquire(manager(), "taken", renewedOften);
            AtomicReference<Boolean> validInCallback = new AtomicReference<>();
            lease.onLost(() -> validInCallback.set(lease.isValid()));
            backend.renewAnswer = Answer.NO;
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> validInCallback.get() != null);
            assertThat(validInCallback.get()).isFalse();
            assertThat(clock.nanoTime()).as("lost by the refusal, not by a deadline: the clock never moved").isEqualTo(start);
        }

        @Test
        @DisplayName("release stops background renewal")
        void releaseStopsRenewal() {
            Lease lease = acquire(manager(), "r", renewedOften);
            awaitRenewals(1);
            lease.release();
            int after = backend.renewCalls.get();
            // six renewal periods without a renewal
            await().during(Duration.ofMillis(300)).atMost(PATIENCE).until(() -> backend.renewCalls.get() == after);
        }
    }

    @Nested
    @DisplayName("tick claims")
    class TickClaims {

        @Test
        @DisplayName("ticks outside 0 .. 2^53 - 1 and bad names are refused before the backend is asked")
        void badTicksAreRefused() {
            LeaseManager m = manager();
            for (long bad : new long[] {-1, LeaseProvider.MAX_TICK + 1, Long.MAX_VALUE, Long.MIN_VALUE}) {
                assertThatThrownBy(() -> m.tryClaimTick("job", bad, MANUAL)).as("tick %d", bad)
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2^53").hasMessageContaining(Long.toString(bad));
            }
            assertThatThrownBy(() -> m.tryClaimTick(" ", 1, MANUAL)).isInstanceOf(InvalidLeaseNameException.class);
            assertThatThrownBy(() -> m.tryClaimTick("job", 1, null)).isInstanceOf(NullPointerException.class);
            assertThat(backend.claimCalls).hasValue(0);
            assertThat(m.tryClaimTick("job", LeaseProvider.MAX_TICK, MANUAL)).isPresent();
            assertThat(m.tryClaimTick("job", 0, MANUAL)).isPresent();
        }

        @Test
        @DisplayName("a claim asks the backend once with name, tick and TTL; its lease counts from when it was sent")
        void claimIsOneBackendCall() {
            backend.inFlight = () -> clock.advance(Duration.ofSeconds(4));
            Lease lease = manager().tryClaimTick("job:report", 29_145, MANUAL).orElseThrow();

            assertThat(backend.claimCalls).hasValue(1);
            assertThat(backend.acquireCalls).hasValue(0);
            assertThat(backend.claims).containsExactly("job:report#29145/10000ms");
            assertThat(lease.name()).isEqualTo("job:report");
            assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(5));
            assertThat(backend.owners).hasSize(1).allSatisfy(o -> assertThat(o).matches("[0-9a-f]{32}"));
        }

        @Test
        @DisplayName("a claim whose answer comes after the local deadline gives a lease that is already invalid")
        void lateAnswerGivesInvalidLease() {
            backend.inFlight = () -> clock.advance(TTL);
            Lease lease = manager().tryClaimTick("job", 1, MANUAL).orElseThrow();
            AtomicInteger lost = new AtomicInteger();
            lease.onLost(lost::incrementAndGet);

            assertThat(lease.isValid()).isFalse();
            assertThat(lost).as("onLost runs at once for a lease already past its deadline").hasValue(1);
        }

        @Test
        @DisplayName("a refused claim gives no lease; an unavailable backend throws; a closed manager refuses")
        void refusedClaims() {
            LeaseManager m = manager();
            backend.claimAnswer = Answer.NO;
            assertThat(m.tryClaimTick("job", 1, MANUAL)).isEmpty();
            backend.claimAnswer = Answer.UNAVAILABLE;
            assertThatThrownBy(() -> m.tryClaimTick("job", 2, MANUAL)).isInstanceOf(StateUnavailableException.class);
            m.close();
            assertThatThrownBy(() -> m.tryClaimTick("job", 3, MANUAL))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }

        @Test
        @DisplayName("a claimed lease is released on close like any other")
        void claimedLeaseIsReleasedOnClose() {
            LeaseManager m = manager();
            Lease lease = m.tryClaimTick("job", 1, MANUAL).orElseThrow();
            m.close();
            assertThat(backend.released).containsExactly("job");
            assertThat(lease.isValid()).isFalse();
        }

        @Test
        @DisplayName("a backend without tick claims says so clearly")
        void backendWithoutClaims() {
            LeaseBackend plain = new LeaseBackend() {
                @Override
                public java.util.OptionalLong acquire(String name, String owner, Duration ttl) {
                    return java.util.OptionalLong.of(1);
                }

                @Override
                public boolean renew(String name, String owner, long token, Duration ttl) {
                    return true;
                }

                @Override
                public void release(String name, String owner, long token) {
                }

                @Override
                public String backendName() {
                    return "plain";
                }
            };
            LeaseManager m = new LeaseManager(plain, clock);
            managers.add(m);
            assertThatThrownBy(() -> m.tryClaimTick("job", 1, MANUAL)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("plain").hasMessageContaining("claimTick");
        }
    }

    @Nested
    @DisplayName("closing")
    class Closing {

        @Test
        @DisplayName("close releases every held lease without lost callbacks, then closes the backend")
        void closeReleasesAll() {
            LeaseManager m = manager();
            Lease a = acquire(m, "a", MANUAL);
            Lease b = acquire(m, "b", LeaseOptions.of(TTL));
            AtomicInteger lost = new AtomicInteger();
            a.onLost(lost::incrementAndGet);
            b.onLost(lost::incrementAndGet);

            m.close();
            m.close();

            assertThat(backend.released).containsExactlyInAnyOrder("a", "b");
            assertThat(a.isValid()).isFalse();
            assertThat(b.isValid()).isFalse();
            assertThat(lost).hasValue(0);
            assertThat(backend.closed).isTrue();
        }

        @Test
        @DisplayName("a released lease is not released again on close")
        void releasedLeaseIsForgotten() {
            LeaseManager m = manager();
            acquire(m, "a", MANUAL).release();
            m.close();
            assertThat(backend.releaseCalls).hasValue(1);
        }

        @Test
        @DisplayName("acquiring from a closed manager fails clearly")
        void closedManagerRefuses() {
            LeaseManager m = manager();
            m.close();
            assertThatThrownBy(() -> m.tryAcquire("x", MANUAL))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("scripted").hasMessageContaining("closed");
        }
    }
}
