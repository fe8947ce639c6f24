package dev.exstate.internal.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.budget.BudgetOptions;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ConnectionBudget on in-memory leases with a manual clock")
class BudgetEngineTest {
    private static final Duration TTL = Duration.ofSeconds(5);

    private final ManualClock clock = new ManualClock();
    private final InMemoryBackend backend = InMemoryBackend.create(clock);
    private final List<Replica> replicas = new ArrayList<>();
    /** The largest sum of pool sizes seen after any resize of any replica. */
    private final AtomicInteger maxSum = new AtomicInteger();

    @AfterEach
    void closeAll() {
        replicas.forEach(r -> {
            r.engine.close();
            r.leases.close();
        });
    }

    /** One replica: its own lease provider and a pool that records its size. */
    private final class Replica {
        final LeaseProvider leases;
        final AtomicInteger size = new AtomicInteger();
        final AtomicBoolean failShrinks = new AtomicBoolean();
        final List<String> events = new ArrayList<>();
        BudgetEngine engine;

        Replica(BudgetOptions options) {
            this(options, backend.leaseProvider());
        }

        Replica(BudgetOptions options, LeaseProvider leases) {
            this.leases = leases;
            engine = new BudgetEngine(leases, options, n -> {
                if (n < size.get() && failShrinks.get()) {
                    throw new IllegalStateException("connections still borrowed");
                }
                if (n > size.get()) {
                    // grow only after acquiring: the permits are already held when the pool grows
                    assertThat(this.engine.holdsPermitsFor(n)).as("permits held before growing to %d", n).isTrue();
                }
                events.add("resize " + n + " holding " + heldInBackend(options));
                size.set(n);
                int sum = replicas.stream().mapToInt(r -> r.size.get()).sum();
                maxSum.accumulateAndGet(sum, Math::max);
            });
            replicas.add(this);
        }

        Replica cycle(int times) {
            for (int i = 0; i < times; i++) {
                engine.cycle();
            }
            return this;
        }

        int size() {
            return size.get();
        }
    }

    /** Permits of the budget no other replica can take now (asked through a fresh provider). */
    private int heldInBackend(BudgetOptions options) {
        try (LeaseProvider probe = backend.leaseProvider()) {
            int held = 0;
            for (int i = 0; i < options.connections(); i++) {
                var lease = probe.tryAcquire(BudgetEngine.permitName(options.resource(), i),
                        LeaseOptions.builder(TTL).autoRenew(false).build());
                if (lease.isPresent()) {
                    lease.get().release();
                } else {
                    held++;
                }
            }
            return held;
        }
    }

    private static BudgetOptions budget(int connections) {
        return BudgetOptions.builder("orders-db", connections).maxReplicas(8).permitTtl(TTL).build();
    }

    /** Three replicas join one after another, then poll in turn until settled; their pool sizes. */
    private List<Integer> threeReplicasSettled(int connections) {
        for (int i = 0; i < 3; i++) {
            new Replica(budget(connections)).cycle(1);
        }
        for (int round = 0; round < 3; round++) {
            replicas.forEach(r -> r.cycle(1));
        }
        return replicas.stream().map(Replica::size).toList();
    }

    @Test
    @DisplayName("a replica alone gets the whole budget, after acquiring it")
    void aloneGetsEverything() {
        Replica a = new Replica(budget(10)).cycle(1);
        assertThat(a.size()).isEqualTo(10);
        assertThat(a.engine.stats().permits()).isEqualTo(10);
        assertThat(a.engine.stats().liveReplicas()).isEqualTo(1);
    }

    @Test
    @DisplayName("a joining replica gets its fair share once the others have shrunk and released; the sum never exceeds the budget")
    void joinerGetsFairShare() {
        Replica a = new Replica(budget(10)).cycle(1);
        Replica b = new Replica(budget(10)).cycle(1);
        assertThat(b.size()).as("nothing free yet").isZero();
        a.cycle(1);
        assertThat(a.size()).as("one poll of a is enough to see b").isEqualTo(5);
        b.cycle(1);
        assertThat(b.size()).isEqualTo(5);
        assertThat(maxSum.get()).isEqualTo(10);
    }

    @Test
    @DisplayName("each of 5 joiners has its fair share at its second poll, once every earlier replica polled once in between")
    void shareWithinTwoPolls() {
        for (int n = 1; n <= 5; n++) {
            List<Replica> earlier = List.copyOf(replicas);
            Replica joiner = new Replica(budget(20)).cycle(1);
            earlier.forEach(r -> r.cycle(1));
            joiner.cycle(1);
            assertThat(joiner.engine.stats().liveReplicas()).isEqualTo(n);
            // the joiner has the highest slot: the remainder goes to the others
            int share = 20 / n + (n - 1 < 20 % n ? 1 : 0);
            assertThat(joiner.size()).as("replica %d of %d", n, n).isEqualTo(share);
            assertThat(maxSum.get()).isLessThanOrEqualTo(20);
        }
        assertThat(replicas.stream().map(Replica::size).toList()).containsExactly(4, 4, 4, 4, 4);
    }

    @Test
    @DisplayName("a settled replica's poll is one read of the membership; a joiner's first poll also reads the permits once")
    void pollCostsOneRead() {
        Replica a = new Replica(budget(10)).cycle(1);
        CountingLeases counted = new CountingLeases(backend.leaseProvider());
        Replica b = new Replica(budget(10), counted);
        b.cycle(1);
        assertThat(counted.calls).as("read members, join slot 1, read permits (none free)")
                .containsExactly("held 8", "tryAcquire budget.orders-db@member.1", "held 10");
        a.cycle(1);
        counted.calls.clear();
        b.cycle(1);
        assertThat(counted.calls).as("read members, read the 5 permits a released, take them")
                .hasSize(7).startsWith("held 8", "held 10");
        counted.calls.clear();
        b.cycle(3);
        assertThat(counted.calls).as("settled: one read per poll").containsExactly("held 8", "held 8", "held 8");
        assertThat(List.of(a.size(), b.size())).containsExactly(5, 5);
    }

    @Test
    @DisplayName("a lease provider that cannot tell who holds a name is refused with a message naming held(); the pool stays at 0")
    void providerWithoutHeldIsRefused() {
        LeaseProvider inner = backend.leaseProvider();
        LeaseProvider withoutHeld = new LeaseProvider() {
            @Override
            public java.util.Optional<dev.exstate.lease.Lease> tryAcquire(String name, LeaseOptions options) {
                return inner.tryAcquire(name, options);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
        Replica a = new Replica(budget(4), withoutHeld);
        assertThatThrownBy(() -> a.cycle(1)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("LeaseProvider.held").hasMessageContaining("ConnectionBudget");
        assertThat(a.size()).isZero();
        assertThat(a.engine.holdsPermitsFor(1)).isFalse();
    }

    /** A lease provider that records its calls. */
    private static final class CountingLeases implements LeaseProvider {
        final LeaseProvider delegate;
        final List<String> calls = new ArrayList<>();

        CountingLeases(LeaseProvider delegate) {
            this.delegate = delegate;
        }

        @Override
        public java.util.Optional<dev.exstate.lease.Lease> tryAcquire(String name, LeaseOptions options) {
            calls.add("tryAcquire " + name);
            return delegate.tryAcquire(name, options);
        }

        @Override
        public java.util.Set<String> held(java.util.Collection<String> names) {
            calls.add("held " + names.size());
            return delegate.held(names);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Test
    @DisplayName("the remainder goes to the lowest slots: 10 over 3 replicas is 4, 3, 3")
    void remainderToLowSlots() {
        assertThat(threeReplicasSettled(10)).containsExactly(4, 3, 3);
        assertThat(maxSum.get()).isLessThanOrEqualTo(10);
    }

    @Test
    @DisplayName("with more replicas than connections the budget is never oversubscribed: the highest slots get 0")
    void moreReplicasThanConnections() {
        assertThat(threeReplicasSettled(2)).containsExactly(1, 1, 0);
        assertThat(replicas.get(2).engine.stats().share()).isZero();
        assertThat(maxSum.get()).isLessThanOrEqualTo(2);
    }

    @Test
    @DisplayName("a crashed replica's permits and membership expire after the TTL; then the survivor takes them")
    void crashedReplicaExpires() {
        Replica a = new Replica(budget(10)).cycle(1);
        Replica b = new Replica(budget(10)).cycle(1);
        a.cycle(2);
        b.cycle(1);
        assertThat(b.size()).isEqualTo(5);
        b.engine.abandon();
        a.cycle(2);
        assertThat(a.size()).as("b's permits are still taken until they expire").isEqualTo(5);
        clock.advance(TTL.plusMillis(1));
        a.cycle(3);
        assertThat(a.size()).isEqualTo(10);
        assertThat(a.engine.stats().liveReplicas()).isEqualTo(1);
        // b is dead: its recorded size is no claim any more (its permits expired); count a alone
        assertThat(a.engine.holdsPermitsFor(10)).isTrue();
    }

    @Test
    @DisplayName("a permit close to its local deadline stops counting: the pool shrinks while the permit is still held")
    void shrinksBeforeDeadline() {
        Replica a = new Replica(budget(4)).cycle(1);
        assertThat(a.size()).isEqualTo(4);
        // no renewal happens in real time during the test; three quarters of the TTL pass on the clock
        clock.advance(TTL.multipliedBy(3).dividedBy(4).plusMillis(1));
        a.cycle(1);
        assertThat(a.size()).isZero();
        assertThat(a.engine.holdsPermitsFor(4)).as("still held: the shrink came first").isTrue();
    }

    @Test
    @DisplayName("close shrinks the pool to 0 while the permits are still held, then releases them for others")
    void closeShrinksThenReleases() {
        Replica a = new Replica(budget(3)).cycle(1);
        a.engine.close();
        assertThat(a.events).last().isEqualTo("resize 0 holding 3");
        Replica b = new Replica(budget(3)).cycle(1);
        assertThat(b.size()).isEqualTo(3);
    }

    @Test
    @DisplayName("a shrink the pool cannot finish keeps the permits: the joiner waits, the sum stays within the budget")
    void failedShrinkKeepsPermits() {
        Replica a = new Replica(budget(6)).cycle(1);
        a.failShrinks.set(true);
        Replica b = new Replica(budget(6)).cycle(1);
        assertThatThrownBy(() -> a.cycle(2)).isInstanceOf(IllegalStateException.class);
        b.cycle(1);
        assertThat(b.size()).isZero();
        a.failShrinks.set(false);
        a.cycle(1);
        b.cycle(1);
        assertThat(List.of(a.size(), b.size())).containsExactly(3, 3);
        assertThat(maxSum.get()).isLessThanOrEqualTo(6);
    }
}
