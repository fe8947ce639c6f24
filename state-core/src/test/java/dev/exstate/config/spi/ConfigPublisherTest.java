package dev.exstate.config.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConfigPublisherTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final List<ConfigPublisher> publishers = new ArrayList<>();

    @AfterEach
    void closePublishers() {
        publishers.forEach(ConfigPublisher::close);
    }

    private ConfigPublisher publisher(ConfigValidator validator) {
        ConfigPublisher p = new ConfigPublisher("test", validator, clock);
        publishers.add(p);
        return p;
    }

    private static ConfigSnapshot snap(long revision, String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new ConfigSnapshot(revision, m);
    }

    private static ConfigValidator rejectingValue(String bad) {
        return s -> {
            if (s.values().containsValue(bad)) {
                throw new ConfigValidationException(List.of("value must not be '" + bad + "'", "second problem"));
            }
        };
    }

    @Test
    @DisplayName("health is DOWN and nothing is current before the first snapshot")
    void downBeforeFirstSnapshot() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());

        assertThat(p.current()).isEmpty();
        assertThat(p.health().status()).isEqualTo(BackendHealth.Status.DOWN);
        assertThat(p.health().detail()).isEqualTo("no config snapshot loaded yet");
    }

    @Test
    @DisplayName("the first snapshot is accepted even at revision 0, and health turns UP")
    void firstSnapshotAcceptedWhateverItsRevision() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());

        assertThat(p.offer(ConfigSnapshot.empty())).isTrue();

        assertThat(p.current()).contains(ConfigSnapshot.empty());
        assertThat(p.health()).isEqualTo(BackendHealth.up("config:test", "revision 0"));
    }

    @Test
    @DisplayName("a snapshot not newer than the current one is ignored and not delivered")
    void staleRevisionsAreIgnored() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        List<ConfigChange> seen = new CopyOnWriteArrayList<>();
        p.subscribe(seen::add);

        assertThat(p.offer(snap(5, "a", "1"))).isTrue();
        assertThat(p.offer(snap(5, "a", "other"))).isFalse();
        assertThat(p.offer(snap(3, "a", "older"))).isFalse();
        assertThat(p.offer(snap(6, "a", "2"))).isTrue();

        assertThat(p.current()).contains(snap(6, "a", "2"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).hasSize(2));
        p.close();
        assertThat(seen).extracting(c -> c.current().revision()).containsExactly(5L, 6L);
    }

    @Test
    @DisplayName("listeners get every accepted change in order, with previous snapshot and changed keys")
    void changesArriveInOrderWithPreviousAndChangedKeys() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        List<ConfigChange> seen = new CopyOnWriteArrayList<>();
        p.subscribe(seen::add);

        for (int rev = 1; rev <= 100; rev++) {
            p.offer(snap(rev, "counter", Integer.toString(rev), "fixed", "x"));
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).hasSize(100));
        assertThat(seen.get(0).previous()).isEqualTo(ConfigSnapshot.empty());
        assertThat(seen.get(0).changedKeys()).containsExactlyInAnyOrder("counter", "fixed");
        for (int i = 1; i < 100; i++) {
            assertThat(seen.get(i).current().revision()).isEqualTo(i + 1L);
            assertThat(seen.get(i).previous()).isEqualTo(seen.get(i - 1).current());
            assertThat(seen.get(i).changedKeys()).containsExactly("counter");
        }
    }

    @Test
    @DisplayName("offers racing from several threads are delivered in strictly increasing revision order")
    void concurrentOffersStayOrdered() throws Exception {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        List<Long> revisions = new CopyOnWriteArrayList<>();
        p.subscribe(c -> revisions.add(c.current().revision()));
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread worker = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    int rev = next.incrementAndGet();
                    p.offer(snap(rev, "v", Integer.toString(rev)));
                }
            });
            worker.start();
            threads.add(worker);
        }
        for (Thread t : threads) {
            t.join();
        }

        await().atMost(WAIT).untilAsserted(() ->
                assertThat(revisions).isNotEmpty().last().isEqualTo(400L));
        assertThat(revisions).isSorted().doesNotHaveDuplicates();
        assertThat(p.current().orElseThrow().revision()).isEqualTo(400);
    }

    @Test
    @DisplayName("a rejected snapshot is recorded, not delivered, and the last good one stays current")
    void rejectedSnapshotKeepsLastGood() {
        ConfigPublisher p = publisher(rejectingValue("bad"));
        List<ConfigChange> seen = new CopyOnWriteArrayList<>();
        p.subscribe(seen::add);
        p.offer(snap(1, "a", "good"));

        clock.advance(Duration.ofMinutes(5));
        assertThat(p.offer(snap(2, "a", "bad"))).isFalse();

        assertThat(p.current()).contains(snap(1, "a", "good"));
        assertThat(p.lastRejection()).contains(new ConfigRejection(2,
                List.of("value must not be 'bad'", "second problem"), Instant.parse("2026-03-01T10:05:00Z")));
        assertThat(p.health().status()).isEqualTo(BackendHealth.Status.UP);
        assertThat(p.health().detail()).contains("revision 1").contains("revision 2 rejected");

        assertThat(p.offer(snap(3, "a", "better"))).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).hasSize(2));
        assertThat(seen.get(1).previous()).isEqualTo(snap(1, "a", "good"));
        assertThat(seen.get(1).current()).isEqualTo(snap(3, "a", "better"));
    }

    @Test
    @DisplayName("any exception from the validator rejects; its message becomes the problem")
    void anyValidatorExceptionRejects() {
        ConfigPublisher p = publisher(s -> s.getInt("limit", 0));

        assertThat(p.offer(snap(1, "limit", "many"))).isFalse();

        assertThat(p.current()).isEmpty();
        assertThat(p.lastRejection().orElseThrow().problems())
                .containsExactly("config key 'limit' = 'many' is not a valid int");
        assertThat(p.health().status()).isEqualTo(BackendHealth.Status.DOWN);
        assertThat(p.health().detail()).contains("revision 1 rejected");
    }

    @Test
    @DisplayName("a listener that throws does not stop delivery to itself or to others")
    void throwingListenerDoesNotAffectOthers() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        AtomicInteger throwerCalls = new AtomicInteger();
        List<Long> seen = new CopyOnWriteArrayList<>();
        p.subscribe(c -> {
            throwerCalls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        p.subscribe(c -> seen.add(c.current().revision()));

        p.offer(snap(1, "a", "1"));
        p.offer(snap(2, "a", "2"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly(1L, 2L));
        assertThat(throwerCalls).hasValue(2);
    }

    @Test
    @DisplayName("a listener throwing StackOverflowError does not end delivery: later changes still reach every listener")
    void stackOverflowInListenerDoesNotEndDelivery() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        List<Long> thrower = new CopyOnWriteArrayList<>();
        List<Long> seen = new CopyOnWriteArrayList<>();
        p.subscribe(c -> {
            thrower.add(c.current().revision());
            throw new StackOverflowError();
        });
        p.subscribe(c -> seen.add(c.current().revision()));

        p.offer(snap(1, "a", "1"));
        p.offer(snap(2, "a", "2"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly(1L, 2L));
        assertThat(thrower).containsExactly(1L, 2L);
        assertThat(p.listenerFailures()).isEqualTo(2);
        assertThat(p.health().status()).isEqualTo(BackendHealth.Status.UP);
    }

    @Test
    @DisplayName("a listener throwing OutOfMemoryError does not end delivery, but health turns DOWN for good, naming it")
    void virtualMachineErrorInListenerMarksHealthDown() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        List<Long> seen = new CopyOnWriteArrayList<>();
        p.subscribe(c -> {
            if (c.current().revision() == 1) {
                throw new OutOfMemoryError("simulated");
            }
        });
        p.subscribe(c -> seen.add(c.current().revision()));

        p.offer(snap(1, "a", "1"));
        p.offer(snap(2, "a", "2"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly(1L, 2L));
        BackendHealth h = p.health();
        assertThat(h.status()).isEqualTo(BackendHealth.Status.DOWN);
        assertThat(h.detail()).contains("OutOfMemoryError", "revision 1", "restart");
        assertThat(p.current().orElseThrow().revision()).isEqualTo(2);
    }

    @Test
    @DisplayName("a validator throwing StackOverflowError rejects that snapshot without throwing; a later good one is accepted")
    void stackOverflowInValidatorRejects() {
        ConfigPublisher p = publisher(s -> {
            if (s.values().containsKey("deep")) {
                throw new StackOverflowError();
            }
        });
        assertThat(p.offer(snap(1, "a", "1"))).isTrue();

        assertThat(p.offer(snap(2, "deep", "x"))).isFalse();

        assertThat(p.current().orElseThrow().revision()).isEqualTo(1);
        assertThat(p.lastRejection().orElseThrow().problems()).singleElement().asString().contains("StackOverflowError");
        assertThat(p.offer(snap(3, "a", "3"))).isTrue();
        assertThat(p.health().status()).isEqualTo(BackendHealth.Status.UP);
    }

    @Test
    @DisplayName("reject() records an unusable backend state as the last rejection and keeps the current snapshot")
    void providerRejection() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        p.offer(snap(5, "a", "1"));

        assertThat(p.reject(4, List.of("old"))).isFalse();
        assertThat(p.reject(6, List.of("key 'x' is not UTF-8"))).isTrue();

        assertThat(p.lastRejection().orElseThrow().revision()).isEqualTo(6);
        assertThat(p.current().orElseThrow().revision()).isEqualTo(5);
        assertThat(p.health().status()).isEqualTo(BackendHealth.Status.UP);
        assertThat(p.health().detail()).contains("revision 6 rejected");
    }

    @Test
    @DisplayName("a new listener is not told about changes accepted before it subscribed, even if still queued")
    void newListenerSkipsChangesAcceptedBefore() throws Exception {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        CountDownLatch release = new CountDownLatch(1);
        List<Long> first = new CopyOnWriteArrayList<>();
        p.subscribe(c -> {
            first.add(c.current().revision());
            awaitLatch(release);
        });
        p.offer(snap(1, "a", "1"));
        await().atMost(WAIT).until(() -> first.size() == 1); // delivery thread now blocked in the first listener
        p.offer(snap(2, "a", "2"));                          // queued behind it
        List<Long> late = new CopyOnWriteArrayList<>();
        p.subscribe(c -> late.add(c.current().revision()));
        release.countDown();
        p.offer(snap(3, "a", "3"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(late).containsExactly(3L));
        assertThat(first).containsExactly(1L, 2L, 3L);
    }

    @Test
    void unsubscribedListenerIsNoLongerCalled() throws Exception {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        List<Long> seen = new CopyOnWriteArrayList<>();
        AutoCloseable handle = p.subscribe(c -> seen.add(c.current().revision()));
        p.offer(snap(1, "a", "1"));
        await().atMost(WAIT).until(() -> seen.size() == 1);

        handle.close();
        handle.close();
        p.offer(snap(2, "a", "2"));
        p.close(); // delivers what is queued

        assertThat(seen).containsExactly(1L);
    }

    @Test
    @DisplayName("close() delivers what was accepted, then stops; later offers are refused")
    void closeDrainsTheQueue() throws Exception {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        CountDownLatch release = new CountDownLatch(1);
        List<Long> seen = new CopyOnWriteArrayList<>();
        AtomicReference<Thread> deliveryThread = new AtomicReference<>();
        p.subscribe(c -> {
            deliveryThread.set(Thread.currentThread());
            awaitLatch(release);
            seen.add(c.current().revision());
        });
        for (int rev = 1; rev <= 5; rev++) {
            p.offer(snap(rev, "a", Integer.toString(rev)));
        }
        Thread closer = new Thread(p::close);
        closer.start();
        release.countDown();
        closer.join(WAIT.toMillis());

        assertThat(closer.isAlive()).isFalse();
        assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(deliveryThread.get().getName()).isEqualTo("exstate-config-test");
        assertThat(deliveryThread.get().isDaemon()).isTrue();
        assertThat(deliveryThread.get().isAlive()).isFalse();
        assertThat(p.offer(snap(6, "a", "6"))).isFalse();
        p.close();
    }

    @Test
    @DisplayName("a listener may close its publisher without deadlock")
    void closeFromListener() {
        ConfigPublisher p = publisher(ConfigValidator.acceptAll());
        AtomicInteger calls = new AtomicInteger();
        p.subscribe(c -> {
            calls.incrementAndGet();
            p.close();
        });

        p.offer(snap(1, "a", "1"));

        await().atMost(WAIT).until(() -> calls.get() == 1);
        assertThat(p.offer(snap(2, "a", "2"))).isFalse();
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
