package dev.exstate.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exstate.lease.InvalidLeaseNameException;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.testkit.TimeControl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link LeaseProvider} satisfies, as one abstract JUnit suite. A provider's
 * test extends it, starts a fresh backend per test (in its own {@code @BeforeEach}) and answers
 * {@link #newProvider} and {@link #time}; each {@code newProvider} call is one more replica over
 * the same backend, and the suite closes every replica it made after each test.
 *
 * <p>Only the expiry tests use a short TTL ({@link #ttl()}); every other lease lives 30 s
 * ({@link #unrenewed()}), so a slow machine never expires a lease a test still holds. With a
 * manual clock, expiry is tested by advancing it; with a backend that expires by its own clock
 * (Redis, etcd) the expiry tests let real time pass, waiting at most {@link #patience()} for the
 * backend to agree.
 *
 * <p>Override {@link #readsBackend()} and {@link #storedToken} to let the "backend storage"
 * group check what really landed in the backend, {@link #readsTickRecords()} and
 * {@link #storedLastTick} likewise for tick claims, and {@link #newBackend()} for the SPI's own
 * promises; without them those checks are skipped, and every other test still checks the
 * contract through the API.
 */
public abstract class LeaseProviderContract {
    private final List<LeaseProvider> providers = new CopyOnWriteArrayList<>();
    private final List<LeaseBackend> backends = new CopyOnWriteArrayList<>();

    /** A new replica's provider over this test's backend. Closed by the suite after the test. */
    protected abstract LeaseProvider newProvider();

    /** How time passes for the backend under test. */
    protected abstract TimeControl time();

    /**
     * White-box hook: the fencing token of the live holder of {@code name} as the backend stores
     * it, empty if nobody holds it. Only called when {@link #readsBackend()} is true.
     */
    protected Optional<Long> storedToken(String name) {
        return Optional.empty();
    }

    /** True if {@link #storedToken} reads the backend; enables the "backend storage" group. */
    protected boolean readsBackend() {
        return false;
    }

    /**
     * White-box hook: the last claimed tick of {@code name} as the backend stores it, empty if
     * none. Only called when {@link #readsTickRecords()} is true.
     */
    protected Optional<Long> storedLastTick(String name) {
        return Optional.empty();
    }

    /** True if {@link #storedLastTick} reads the backend; enables the tick-record checks. */
    protected boolean readsTickRecords() {
        return false;
    }

    /**
     * The SPI backend of one more replica over this test's backend, for the promises of
     * {@link LeaseBackend} that the {@link LeaseProvider} API cannot reach (a request retried by
     * the same owner after a lost reply); {@code null}, the default, skips those checks, as for a
     * provider not built on {@link LeaseBackend}. Closed by the suite after the test.
     */
    protected LeaseBackend newBackend() {
        return null;
    }

    /**
     * True (the default) if the provider answers {@link LeaseProvider#held}; a provider that
     * leaves it unimplemented returns false and skips the "reading who holds" group.
     */
    protected boolean answersHeld() {
        return true;
    }

    /** Lease TTL of the expiry tests: 30 s on a manual clock, 2 s when real time must pass. */
    protected Duration ttl() {
        return time().isManual() ? Duration.ofSeconds(30) : Duration.ofSeconds(2);
    }

    /** Lease TTL of every test that is not about expiry: long enough to outlast any pause of a slow machine. */
    protected Duration holdTtl() {
        return Duration.ofSeconds(30);
    }

    /** Longest time the suite waits for a real backend to agree (expiry, renewal). */
    protected Duration patience() {
        return Duration.ofSeconds(30);
    }

    @AfterEach
    void closeProviders() {
        for (LeaseProvider p : providers) {
            p.close();
        }
        providers.clear();
        for (LeaseBackend b : backends) {
            b.close();
        }
        backends.clear();
    }

    /** A new replica, closed after the test. */
    protected final LeaseProvider replica() {
        LeaseProvider p = newProvider();
        providers.add(p);
        return p;
    }

    /** A name no other test (or earlier run against a shared backend) uses. */
    protected static String leaseName(String base) {
        return "contract-" + base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@link #holdTtl()} without background renewal: held until released, for tests not about expiry. */
    protected final LeaseOptions unrenewed() {
        return LeaseOptions.builder(holdTtl()).autoRenew(false).build();
    }

    /** {@link #ttl()} without background renewal: the lease expires unless renewed by hand. */
    protected final LeaseOptions expiring() {
        return LeaseOptions.builder(ttl()).autoRenew(false).build();
    }

    private static Lease acquire(LeaseProvider p, String name, LeaseOptions options) {
        Optional<Lease> lease = p.tryAcquire(name, options);
        assertThat(lease).as("lease '%s' should be free", name).isPresent();
        return lease.get();
    }

    /**
     * Lets {@code old}'s TTL pass, then takes its name with {@code other} (on a real clock, as soon
     * as the backend lets go), and checks that {@code old} already knew it was no longer valid.
     */
    private Lease takeOverAfterExpiry(LeaseProvider other, Lease old) {
        time().advance(ttl().plusMillis(1));
        AtomicReference<Lease> taken = new AtomicReference<>();
        AtomicBoolean oldValidWhenTaken = new AtomicBoolean();
        await().atMost(patience()).pollInterval(Duration.ofMillis(20)).until(() -> {
            Optional<Lease> got = other.tryAcquire(old.name(), unrenewed());
            got.ifPresent(l -> {
                oldValidWhenTaken.set(old.isValid());
                taken.set(l);
            });
            return got.isPresent();
        });
        assertThat(oldValidWhenTaken)
                .as("the old holder must consider its lease invalid by the time another replica can take it")
                .isFalse();
        return taken.get();
    }

    @Nested
    @DisplayName("acquiring")
    class Acquiring {

        @Test
        @DisplayName("a free name is acquired and the lease is valid for at most its TTL")
        void freeNameIsAcquired() {
            String name = leaseName("free");
            Lease lease = acquire(replica(), name, unrenewed());

            assertThat(lease.name()).isEqualTo(name);
            assertThat(lease.isValid()).isTrue();
            assertThat(lease.remaining()).isPositive().isLessThanOrEqualTo(holdTtl());
        }

        @Test
        @DisplayName("another replica cannot acquire a name while it is held")
        void heldNameIsRefusedToOtherReplica() {
            String name = leaseName("held");
            Lease lease = acquire(replica(), name, unrenewed());

            assertThat(replica().tryAcquire(name, unrenewed())).isEmpty();
            assertThat(lease.isValid()).isTrue();
        }

        @Test
        @DisplayName("the holding replica cannot acquire the same name a second time either")
        void heldNameIsRefusedToSameReplica() {
            LeaseProvider p = replica();
            String name = leaseName("twice");
            acquire(p, name, unrenewed());

            assertThat(p.tryAcquire(name, unrenewed())).isEmpty();
        }

        @Test
        @DisplayName("leases on different names do not block each other")
        void namesAreIndependent() {
            LeaseProvider p = replica();
            acquire(p, leaseName("one"), unrenewed());
            assertThat(replica().tryAcquire(leaseName("two"), unrenewed())).isPresent();
        }

        @Test
        @DisplayName("blank, over-long and control-character names are rejected; 200 characters are fine")
        void invalidNamesAreRejected() {
            LeaseProvider p = replica();
            for (String bad : new String[] {"", "   ", "x".repeat(201), "line\nbreak", "nul\u0000"}) {
                assertThatThrownBy(() -> p.tryAcquire(bad, unrenewed()))
                        .as("name %s", bad.replace("\n", "\\n").replace("\u0000", "\\0"))
                        .isInstanceOf(InvalidLeaseNameException.class);
            }
            String longest = leaseName("long");
            longest = longest + "x".repeat(200 - longest.length());
            assertThat(p.tryAcquire(longest, unrenewed())).isPresent();
        }
    }

    @Nested
    @DisplayName("fencing tokens")
    class FencingTokens {

        @Test
        @DisplayName("after release another replica acquires the name with a greater token")
        void releasedNameGoesToOtherReplicaWithGreaterToken() {
            String name = leaseName("handover");
            Lease first = acquire(replica(), name, unrenewed());
            first.release();

            Lease second = acquire(replica(), name, unrenewed());

            assertThat(first.isValid()).isFalse();
            assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        }

        @Test
        @DisplayName("tokens strictly increase over 20 acquisitions alternating between two replicas")
        void tokensStrictlyIncrease() {
            LeaseProvider[] replicas = {replica(), replica()};
            String name = leaseName("tokens");
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < 20; i++) {
                Lease lease = acquire(replicas[i % 2], name, unrenewed());
                assertThat(lease.fencingToken()).as("acquisition %d", i).isGreaterThan(previous);
                previous = lease.fencingToken();
                lease.release();
            }
        }

        @Test
        @DisplayName("names of one family (family@suffix) get increasing tokens")
        void tokensIncreaseAcrossAFamily() {
            LeaseProvider[] replicas = {replica(), replica()};
            String family = leaseName("export");
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < 10; i++) {
                Lease lease = acquire(replicas[i % 2], family + "@" + (1000 + i), unrenewed());
                assertThat(lease.fencingToken()).as("member %d", i).isGreaterThan(previous);
                previous = lease.fencingToken();
                lease.release();
            }
        }
    }

    @Nested
    @DisplayName("expiry and renewal")
    class ExpiryAndRenewal {

        @Test
        @DisplayName("a lease that is not renewed expires: another replica takes it, and the old holder already knows")
        void unrenewedLeaseExpires() {
            String name = leaseName("expires");
            Lease old = acquire(replica(), name, expiring());
            LeaseProvider other = replica();
            time().advance(ttl().dividedBy(2));
            assertThat(other.tryAcquire(name, unrenewed())).as("still held at half the TTL").isEmpty();
            assertThat(old.isValid()).isTrue();

            Lease taken = takeOverAfterExpiry(other, old);

            assertThat(old.isValid()).isFalse();
            assertThat(old.remaining()).isZero();
            assertThat(taken.fencingToken()).isGreaterThan(old.fencingToken());
        }

        @Test
        @DisplayName("renew extends the lease by its TTL from now")
        void renewExtends() {
            String name = leaseName("renew");
            Lease lease = acquire(replica(), name, expiring());
            time().advance(ttl().dividedBy(2));

            assertThat(lease.renew()).isTrue();
            time().advance(ttl().multipliedBy(7).dividedBy(10));

            assertThat(lease.isValid()).as("0.7 TTL after renewal, 1.2 TTL after acquisition").isTrue();
            assertThat(replica().tryAcquire(name, unrenewed())).isEmpty();
        }

        @Test
        @DisplayName("renewing a lease another replica took over returns false and fires onLost once")
        void renewAfterTakeoverFailsAndFiresOnLost() {
            String name = leaseName("takeover");
            Lease old = acquire(replica(), name, expiring());
            AtomicInteger lost = new AtomicInteger();
            old.onLost(lost::incrementAndGet);
            Lease taken = takeOverAfterExpiry(replica(), old);

            assertThat(old.renew()).isFalse();
            assertThat(old.renew()).isFalse();

            assertThat(lost).as("onLost fires exactly once").hasValue(1);
            assertThat(old.isValid()).isFalse();
            AtomicInteger late = new AtomicInteger();
            old.onLost(late::incrementAndGet);
            assertThat(late).as("a callback added after the loss runs at once").hasValue(1);
            assertThat(taken.isValid()).isTrue();
            assertThat(taken.renew()).as("the new holder is untouched").isTrue();
        }

        @Test
        @DisplayName("a stale holder's release does not free the new holder's lease")
        void staleReleaseDoesNotFreeNewHolder() {
            String name = leaseName("stale");
            Lease old = acquire(replica(), name, expiring());
            Lease taken = takeOverAfterExpiry(replica(), old);

            assertThatCode(old::release).doesNotThrowAnyException();

            assertThat(replica().tryAcquire(name, unrenewed())).isEmpty();
            assertThat(taken.isValid()).isTrue();
        }

        @Test
        @DisplayName("an auto-renewed lease outlives several TTLs")
        void autoRenewedLeaseOutlivesItsTtl() {
            String name = leaseName("auto");
            // on a manual clock renewals still tick in real time: keep them frequent so the test is quick;
            // on a real clock, frequent renewals leave most of the TTL as slack for a late renewer thread
            Duration renewEvery = time().isManual() ? Duration.ofMillis(50) : ttl().dividedBy(10);
            Lease lease = acquire(replica(), name, LeaseOptions.builder(ttl()).renewEvery(renewEvery).build());
            LeaseProvider other = replica();

            for (int round = 0; round < 5; round++) {
                time().advance(ttl().dividedBy(2));
                await().atMost(patience()).pollInterval(Duration.ofMillis(10))
                        .until(() -> lease.remaining().compareTo(ttl().dividedBy(2)) > 0);
                assertThat(lease.isValid()).as("round %d", round).isTrue();
                assertThat(other.tryAcquire(name, unrenewed())).as("round %d", round).isEmpty();
            }

            lease.release();
            assertThat(other.tryAcquire(name, unrenewed())).isPresent();
        }
    }

    @Nested
    @DisplayName("releasing")
    class Releasing {

        @Test
        @DisplayName("release is idempotent and fires no lost callback")
        void releaseIsIdempotentAndQuiet() {
            String name = leaseName("release");
            Lease lease = acquire(replica(), name, unrenewed());
            AtomicInteger lost = new AtomicInteger();
            lease.onLost(lost::incrementAndGet);

            lease.release();
            lease.release();
            lease.close();

            assertThat(lease.isValid()).isFalse();
            assertThat(lease.remaining()).isZero();
            assertThat(lease.renew()).isFalse();
            assertThat(lost).hasValue(0);
            assertThat(replica().tryAcquire(name, unrenewed())).isPresent();
        }

        @Test
        @DisplayName("closing a provider releases every lease it holds")
        void closeReleasesAll() {
            LeaseProvider p = replica();
            String unrenewedName = leaseName("close-a");
            String renewedName = leaseName("close-b");
            Lease a = acquire(p, unrenewedName, unrenewed());
            Lease b = acquire(p, renewedName, LeaseOptions.of(holdTtl()));

            p.close();
            p.close();

            assertThat(a.isValid()).isFalse();
            assertThat(b.isValid()).isFalse();
            LeaseProvider other = replica();
            assertThat(other.tryAcquire(unrenewedName, unrenewed())).isPresent();
            assertThat(other.tryAcquire(renewedName, unrenewed())).isPresent();
        }
    }

    @Nested
    @DisplayName("tick claims")
    class TickClaims {

        private Lease claim(LeaseProvider p, String name, long tick) {
            return claim(p, name, tick, unrenewed());
        }

        private Lease claim(LeaseProvider p, String name, long tick, LeaseOptions options) {
            Optional<Lease> lease = p.tryClaimTick(name, tick, options);
            assertThat(lease).as("tick %d of '%s' should be claimable", tick, name).isPresent();
            return lease.get();
        }

        @Test
        @DisplayName("a tick is claimed once: no replica claims it again, even after the claim's lease was released")
        void tickIsClaimedOnce() {
            LeaseProvider a = replica();
            LeaseProvider b = replica();
            String name = leaseName("once");
            Lease first = claim(a, name, 5);
            assertThat(first.name()).isEqualTo(name);
            assertThat(first.isValid()).isTrue();
            first.release();

            assertThat(b.tryClaimTick(name, 5, unrenewed())).as("another replica, same tick").isEmpty();
            assertThat(a.tryClaimTick(name, 5, unrenewed())).as("the same replica, same tick").isEmpty();
            assertThat(b.tryAcquire(name, unrenewed())).as("the lease itself is free again").isPresent();
        }

        @Test
        @DisplayName("claims only advance: after tick 10, ticks up to 10 are refused and tick 11 is granted")
        void claimsOnlyAdvance() {
            LeaseProvider a = replica();
            LeaseProvider b = replica();
            String name = leaseName("advance");
            claim(a, name, 10).release();

            for (long stale : new long[] {0, 9, 10}) {
                assertThat(b.tryClaimTick(name, stale, unrenewed())).as("tick %d after tick 10", stale).isEmpty();
            }
            Lease next = claim(b, name, 11);
            assertThat(next.isValid()).isTrue();
        }

        @Test
        @DisplayName("a held lease blocks claims of later ticks, and a refused claim does not use its tick up")
        void heldLeaseBlocksClaims() {
            LeaseProvider a = replica();
            LeaseProvider b = replica();
            String name = leaseName("blocked");
            Lease held = claim(a, name, 1);

            assertThat(b.tryClaimTick(name, 2, unrenewed())).as("tick 2 while tick 1's lease is held").isEmpty();
            assertThat(b.tryAcquire(name, unrenewed())).isEmpty();
            assertThat(held.isValid()).isTrue();
            held.release();

            assertThat(b.tryClaimTick(name, 2, unrenewed())).as("tick 2 once tick 1's lease is released").isPresent();
        }

        @Test
        @DisplayName("a name taken with tryAcquire blocks every claim until it is released")
        void acquiredNameBlocksClaims() {
            LeaseProvider a = replica();
            LeaseProvider b = replica();
            String name = leaseName("acquired");
            Lease lease = acquire(a, name, unrenewed());

            assertThat(b.tryClaimTick(name, 1, unrenewed())).isEmpty();
            assertThat(a.tryClaimTick(name, 2, unrenewed())).as("not even the holder's own replica").isEmpty();
            lease.release();

            Lease claimed = claim(b, name, 1);
            assertThat(claimed.fencingToken()).isGreaterThan(lease.fencingToken());
        }

        @Test
        @DisplayName("claim tokens increase in tick order, above the name's earlier tokens, whichever replica claims")
        void claimTokensIncreaseInTickOrder() {
            LeaseProvider[] replicas = {replica(), replica()};
            String name = leaseName("claim-tokens");
            Lease before = acquire(replicas[0], name, unrenewed());
            long previous = before.fencingToken();
            before.release();
            for (int i = 0; i < 10; i++) {
                long tick = 100 + 3L * i;
                Lease lease = claim(replicas[i % 2], name, tick);
                assertThat(lease.fencingToken()).as("tick %d", tick).isGreaterThan(previous);
                previous = lease.fencingToken();
                lease.release();
            }
        }

        @Test
        @DisplayName("an expired claim keeps its tick: after expiry another replica gets a later tick, never the same one")
        void expiredClaimKeepsItsTick() {
            LeaseProvider a = replica();
            LeaseProvider b = replica();
            String name = leaseName("expired-claim");
            Lease old = claim(a, name, 7, expiring());
            time().advance(ttl().plusMillis(1));

            AtomicReference<Lease> later = new AtomicReference<>();
            AtomicBoolean oldValidWhenTaken = new AtomicBoolean();
            await().atMost(patience()).pollInterval(Duration.ofMillis(20)).until(() -> {
                Optional<Lease> again = b.tryClaimTick(name, 7, unrenewed());
                assertThat(again).as("tick 7 claimed a second time after its lease expired").isEmpty();
                Optional<Lease> next = b.tryClaimTick(name, 8, unrenewed());
                next.ifPresent(l -> {
                    oldValidWhenTaken.set(old.isValid());
                    later.set(l);
                });
                return next.isPresent();
            });

            assertThat(oldValidWhenTaken).as("the old holder knew its lease was gone by then").isFalse();
            assertThat(later.get().fencingToken()).isGreaterThan(old.fencingToken());
        }

        @Test
        @DisplayName("negative ticks, ticks above 2^53 - 1 and bad names are refused with clear exceptions; 2^53 - 1 works")
        void badInputIsRefused() {
            LeaseProvider p = replica();
            String name = leaseName("bad-tick");
            for (long bad : new long[] {-1, Long.MIN_VALUE, LeaseProvider.MAX_TICK + 1, Long.MAX_VALUE}) {
                assertThatThrownBy(() -> p.tryClaimTick(name, bad, unrenewed())).as("tick %d", bad)
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tick");
            }
            for (String badName : new String[] {"", "   ", "x".repeat(201), "line\nbreak"}) {
                assertThatThrownBy(() -> p.tryClaimTick(badName, 1, unrenewed()))
                        .isInstanceOf(InvalidLeaseNameException.class);
            }
            if (readsTickRecords()) {
                assertThat(storedLastTick(name)).as("refused input writes nothing").isEmpty();
            }

            claim(p, name, LeaseProvider.MAX_TICK).release();
            assertThat(p.tryClaimTick(name, LeaseProvider.MAX_TICK, unrenewed())).isEmpty();
            assertThat(p.tryClaimTick(name, LeaseProvider.MAX_TICK - 1, unrenewed())).isEmpty();
        }

        @Test
        @DisplayName("four threads on two replicas racing for the same 30 ticks claim each at most once, tokens rising with ticks")
        void racingClaimsAreExclusive() throws Exception {
            LeaseProvider[] replicas = {replica(), replica()};
            String name = leaseName("racing");
            int ticks = 30;
            List<Callable<List<long[]>>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                LeaseProvider mine = replicas[w % 2];
                workers.add(() -> {
                    List<long[]> won = new ArrayList<>();
                    for (long tick = 1; tick <= ticks; tick++) {
                        Optional<Lease> got = mine.tryClaimTick(name, tick, unrenewed());
                        if (got.isPresent()) {
                            won.add(new long[] {tick, got.get().fencingToken()});
                            got.get().release();
                        }
                    }
                    return won;
                });
            }
            List<long[]> claims = new ArrayList<>();
            Concurrently.runTogether(workers).forEach(claims::addAll);

            claims.sort(Comparator.comparingLong(c -> c[0]));
            assertThat(claims).as("at least the first free tick is claimed").isNotEmpty();
            for (int i = 1; i < claims.size(); i++) {
                assertThat(claims.get(i)[0]).as("tick claimed twice").isGreaterThan(claims.get(i - 1)[0]);
                assertThat(claims.get(i)[1]).as("token of tick %d", claims.get(i)[0]).isGreaterThan(claims.get(i - 1)[1]);
            }
            if (readsTickRecords()) {
                assertThat(storedLastTick(name)).contains(claims.get(claims.size() - 1)[0]);
            }
        }

        @Test
        @DisplayName("the backend records the claimed tick, and keeps it after the lease is released or expired")
        void tickRecordIsStored() {
            assumeTrue(readsTickRecords(), "provider test does not read tick records");
            String name = leaseName("record");
            assertThat(storedLastTick(name)).isEmpty();
            Lease lease = claim(replica(), name, 41);
            assertThat(storedLastTick(name)).contains(41L);
            if (readsBackend()) {
                assertThat(storedToken(name)).contains(lease.fencingToken());
            }
            lease.release();
            assertThat(storedLastTick(name)).contains(41L);
            if (readsBackend()) {
                assertThat(storedToken(name)).isEmpty();
            }
            Lease next = claim(replica(), name, 42, expiring());
            time().advance(ttl().plusMillis(1));
            await().atMost(patience()).pollInterval(Duration.ofMillis(20)).until(() -> !next.isValid());
            assertThat(storedLastTick(name)).as("the record outlives the lease").contains(42L);
        }

        @Test
        @DisplayName("SPI: a claim retried by the same owner (a lost reply) gets the same token; others are refused")
        void retriedClaimIsIdempotent() {
            LeaseBackend spi = newBackend();
            assumeTrue(spi != null, "provider test does not expose its LeaseBackend");
            backends.add(spi);
            String name = leaseName("retry");
            String owner = "contract-" + UUID.randomUUID();
            String other = "contract-" + UUID.randomUUID();

            OptionalLong first = spi.claimTick(name, owner, 3, ttl());
            OptionalLong retried = spi.claimTick(name, owner, 3, ttl());

            assertThat(first).isPresent();
            assertThat(retried).as("the retry").isEqualTo(first);
            assertThat(spi.claimTick(name, other, 3, ttl())).as("another owner, same tick").isEmpty();
            assertThat(spi.claimTick(name, other, 4, ttl())).as("another owner while held").isEmpty();
            spi.release(name, owner, first.getAsLong());
            assertThat(spi.claimTick(name, other, 3, ttl())).as("the tick after release").isEmpty();
            OptionalLong next = spi.claimTick(name, other, 4, ttl());
            assertThat(next).isPresent();
            assertThat(next.getAsLong()).isGreaterThan(first.getAsLong());
            spi.release(name, other, next.getAsLong());
            if (readsTickRecords()) {
                assertThat(storedLastTick(name)).contains(4L);
            }
        }
    }

    @Nested
    @DisplayName("reading who holds")
    class ReadingWhoHolds {

        @Test
        @DisplayName("held() names the leases any replica holds, not free, released or other names; it takes nothing")
        void heldNamesWhatIsHeld() {
            assumeTrue(answersHeld(), "provider does not answer held()");
            LeaseProvider a = replica();
            LeaseProvider b = replica();
            String family = leaseName("held");
            String byA = family + "@a";
            String byB = family + "@b";
            String released = family + "@released";
            String free = family + "@free";
            acquire(a, byA, unrenewed());
            acquire(b, byB, unrenewed());
            acquire(a, released, unrenewed()).release();

            assertThat(replica().held(List.of(byA, byB, released, free, byA))).containsExactlyInAnyOrder(byA, byB);
            assertThat(a.held(List.of(free))).isEmpty();
            assertThat(a.held(List.of())).isEmpty();
            assertThat(replica().tryAcquire(free, unrenewed())).as("reading took nothing").isPresent();
            assertThat(replica().tryAcquire(byA, unrenewed())).as("still held after the read").isEmpty();
        }

        @Test
        @DisplayName("150 names in one call (more than one batch on etcd): exactly the 75 held ones")
        void manyNamesAtOnce() {
            assumeTrue(answersHeld(), "provider does not answer held()");
            LeaseProvider p = replica();
            String family = leaseName("many");
            List<String> names = new ArrayList<>();
            List<String> held = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                String name = family + "@" + i;
                names.add(name);
                if (i % 2 == 1) {
                    acquire(p, name, unrenewed());
                    held.add(name);
                }
            }
            assertThat(replica().held(names)).containsExactlyInAnyOrderElementsOf(held);
        }

        @Test
        @DisplayName("a lease that expired in the backend is no longer held")
        void expiredIsNotHeld() {
            assumeTrue(answersHeld(), "provider does not answer held()");
            String name = leaseName("held-expires");
            acquire(replica(), name, expiring());
            LeaseProvider reader = replica();
            assertThat(reader.held(List.of(name))).containsExactly(name);
            time().advance(ttl().plusMillis(1));
            await().atMost(patience()).pollInterval(Duration.ofMillis(20)).until(() -> reader.held(List.of(name)).isEmpty());
        }

        @Test
        @DisplayName("bad names and more than MAX_HELD_NAMES names are refused before any remote call")
        void badInputIsRefused() {
            assumeTrue(answersHeld(), "provider does not answer held()");
            LeaseProvider p = replica();
            String good = leaseName("good");
            assertThatThrownBy(() -> p.held(List.of(good, "line\nbreak"))).isInstanceOf(InvalidLeaseNameException.class);
            assertThatThrownBy(() -> p.held(List.of("x".repeat(201)))).isInstanceOf(InvalidLeaseNameException.class);
            List<String> tooMany = new ArrayList<>();
            for (int i = 0; i <= LeaseProvider.MAX_HELD_NAMES; i++) {
                tooMany.add(good + "@" + i);
            }
            assertThatThrownBy(() -> p.held(tooMany)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(String.valueOf(LeaseProvider.MAX_HELD_NAMES));
            assertThatThrownBy(() -> p.held(null)).isInstanceOf(NullPointerException.class);
        }
    }

    @Nested
    @DisplayName("contention")
    class Contention {

        @Test
        @DisplayName("four threads on two replicas contending 200 times never see two valid holders, and tokens increase")
        void neverTwoHolders() throws Exception {
            LeaseProvider[] replicas = {replica(), replica()};
            String name = leaseName("contended");
            int wanted = 200;
            AtomicInteger holders = new AtomicInteger();
            AtomicInteger acquisitions = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            AtomicInteger invalidWhileHeld = new AtomicInteger();
            AtomicInteger nonIncreasing = new AtomicInteger();
            AtomicLong lastToken = new AtomicLong(Long.MIN_VALUE);
            long giveUpAt = System.nanoTime() + patience().multipliedBy(3).toNanos();

            ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "exstate-contract-worker");
                t.setDaemon(true);
                return t;
            });
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    LeaseProvider mine = replicas[w % 2];
                    workers.add(pool.submit(() -> {
                        start.await();
                        while (acquisitions.get() < wanted && System.nanoTime() < giveUpAt) {
                            Optional<Lease> got = mine.tryAcquire(name, unrenewed());
                            if (got.isEmpty()) {
                                continue;
                            }
                            Lease lease = got.get();
                            if (holders.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            if (!lease.isValid()) {
                                invalidWhileHeld.incrementAndGet();
                            }
                            if (lease.fencingToken() <= lastToken.getAndSet(lease.fencingToken())) {
                                nonIncreasing.incrementAndGet();
                            }
                            acquisitions.incrementAndGet();
                            // leave the critical section before releasing, or the next holder would overlap us
                            holders.decrementAndGet();
                            lease.release();
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : workers) {
                    f.get(patience().multipliedBy(4).toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            assertThat(acquisitions.get()).isGreaterThanOrEqualTo(wanted);
            assertThat(overlaps).as("moments with two holders").hasValue(0);
            assertThat(invalidWhileHeld).as("fresh leases that were not valid").hasValue(0);
            assertThat(nonIncreasing).as("tokens not greater than the previous holder's").hasValue(0);
        }
    }

    @Nested
    @DisplayName("backend storage (white-box)")
    class BackendStorage {

        @Test
        @DisplayName("an acquired lease is stored with its fencing token, and release removes it")
        void acquireStoresAndReleaseRemoves() {
            assumeTrue(readsBackend(), "provider test does not read the backend");
            String name = leaseName("stored");
            Lease lease = acquire(replica(), name, unrenewed());
            assertThat(storedToken(name)).contains(lease.fencingToken());

            lease.release();

            assertThat(storedToken(name)).isEmpty();
        }

        @Test
        @DisplayName("an expired lease is gone from the backend")
        void expiredLeaseIsGone() {
            assumeTrue(readsBackend(), "provider test does not read the backend");
            String name = leaseName("gone");
            acquire(replica(), name, expiring());

            time().advance(ttl().plusMillis(1));

            await().atMost(patience()).pollInterval(Duration.ofMillis(20)).until(() -> storedToken(name).isEmpty());
        }

        @Test
        @DisplayName("after a takeover the backend holds the new holder's token, even after the stale holder releases")
        void takeoverIsStored() {
            assumeTrue(readsBackend(), "provider test does not read the backend");
            String name = leaseName("takeover-stored");
            Lease old = acquire(replica(), name, expiring());
            Lease taken = takeOverAfterExpiry(replica(), old);

            old.release();
            assertThat(old.renew()).isFalse();

            assertThat(storedToken(name)).contains(taken.fencingToken());
        }

        @Test
        @DisplayName("closing a provider removes its leases from the backend")
        void closeRemovesFromBackend() {
            assumeTrue(readsBackend(), "provider test does not read the backend");
            LeaseProvider p = replica();
            String name = leaseName("close-stored");
            acquire(p, name, LeaseOptions.of(holdTtl()));

            p.close();

            assertThat(storedToken(name)).isEmpty();
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {

        @Test
        @DisplayName("names with unpaired surrogates are refused before any call, so 'x\\uD800' never takes 'x?'")
        void unpairedSurrogatesAreRefused() {
            LeaseProvider p = replica();
            String base = leaseName("surrogate");
            for (String bad : new String[] {base + "\uD800", "\uDC00" + base, base + "\uDC00\uD800", base + "\uD800x"}) {
                assertThatThrownBy(() -> p.tryAcquire(bad, unrenewed()))
                        .as("name with a lone surrogate")
                        .isInstanceOf(InvalidLeaseNameException.class)
                        .hasMessageContaining("unpaired");
            }
            Lease question = acquire(p, base + "?", unrenewed());
            Lease emoji = acquire(replica(), base + "\uD83D\uDE00", unrenewed());

            assertThat(question.isValid()).isTrue();
            assertThat(emoji.isValid()).as("a well-formed pair is a different name than '?'").isTrue();
            assertThat(replica().tryAcquire(base + "?", unrenewed())).isEmpty();
        }

        @Test
        @DisplayName("names starting with or made of '@' work like any other, on any topology")
        void atSignNames() {
            String u = leaseName("at");
            LeaseProvider[] replicas = {replica(), replica()};
            for (String name : new String[] {"@" + u, "@@" + u, u + "@", "@" + u + "@", "@" + u + "@x@y"}) {
                Lease lease = acquire(replicas[0], name, unrenewed());
                assertThat(replicas[1].tryAcquire(name, unrenewed())).as("name %s is held", name).isEmpty();
                assertThat(lease.renew()).as("name %s renews", name).isTrue();
                lease.release();
                Lease next = acquire(replicas[1], name, unrenewed());
                assertThat(next.fencingToken()).as("name %s", name).isGreaterThan(lease.fencingToken());
                next.release();
            }
            long previous = Long.MIN_VALUE;
            for (int tick = 0; tick < 4; tick++) {
                Lease lease = acquire(replicas[tick % 2], "@" + u + "@" + tick, unrenewed());
                assertThat(lease.fencingToken()).as("tick %d of family @%s", tick, u).isGreaterThan(previous);
                previous = lease.fencingToken();
                lease.release();
            }
        }

        @Test
        @DisplayName("the longest TTL gives a valid lease; a longer one is refused before any call and the name stays free")
        void ttlBounds() {
            String name = leaseName("ttl");
            LeaseProvider p = replica();
            for (Duration huge : new Duration[] {LeaseOptions.MAX_TTL.plusMillis(1), Duration.ofMillis(Long.MAX_VALUE)}) {
                assertThatThrownBy(() -> p.tryAcquire(name, huge)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("ttl");
            }

            Lease longest = acquire(p, name, LeaseOptions.builder(LeaseOptions.MAX_TTL).autoRenew(false).build());

            assertThat(longest.isValid()).as("a lease with the longest TTL is valid when handed out").isTrue();
            assertThat(longest.remaining()).isGreaterThan(LeaseOptions.MAX_TTL.dividedBy(2));
            assertThat(replica().tryAcquire(name, unrenewed())).isEmpty();
            longest.release();
            assertThat(replica().tryAcquire(name, unrenewed())).isPresent();
        }
    }
}
