package dev.exstate.config.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigRejection;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.health.BackendHealth;
import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The part of every config source that is the same for all backends, driven by a scripted backend. */
class PublishingConfigSourceTest {
    /** Bound on a hand-over to the delivery thread; generous, since a busy machine is not a failure. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final List<PublishingConfigSource> sources = new ArrayList<>();

    @AfterEach
    void closeSources() {
        sources.forEach(PublishingConfigSource::close);
    }

    /** A backend the test drives: it offers and rejects what the test says, and reports what the test sets. */
    static final class ScriptedBackend implements ConfigBackend {
        final String name;
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        volatile Consumer<Sink> onStart = sink -> { };
        volatile String problem;
        volatile Sink sink;

        ScriptedBackend() {
            this("test");
        }

        ScriptedBackend(String name) {
            this.name = name;
        }

        @Override
        public String backendName() {
            return name;
        }

        @Override
        public String describe() {
            return "the test's backend";
        }

        @Override
        public void start(Sink sink) {
            starts.incrementAndGet();
            this.sink = sink;
            onStart.accept(sink);
        }

        @Override
        public String problem() {
            return problem;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }

        boolean offer(ConfigSnapshot snapshot) {
            return sink.offer(snapshot);
        }

        boolean reject(long revision, List<String> problems) {
            return sink.reject(revision, problems);
        }
    }

    private PublishingConfigSource source(ScriptedBackend backend, ConfigValidator validator) {
        PublishingConfigSource s = new PublishingConfigSource(backend, validator, clock);
        sources.add(s);
        return s;
    }

    private static ConfigSnapshot snap(long revision, String... kv) {
        Map<String, String> m = new HashMap<>();
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
    @DisplayName("health is DOWN and current() throws, naming the backend, before the first snapshot")
    void downBeforeFirstSnapshot() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());

        assertThat(b.starts).hasValue(1);
        assertThat(s.isLoaded()).isFalse();
        assertThatThrownBy(s::current).isInstanceOf(ConfigNotLoadedException.class)
                .hasMessage("no config snapshot loaded from the test's backend yet");
        assertThat(s.health()).isEqualTo(BackendHealth.down("config:test", "no config snapshot loaded yet"));
    }

    @Test
    @DisplayName("a snapshot offered while the backend starts is loaded when construction returns, even at revision 0")
    void snapshotOfferedAtStartIsLoaded() {
        ScriptedBackend b = new ScriptedBackend();
        b.onStart = sink -> assertThat(sink.offer(ConfigSnapshot.empty())).isTrue();

        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());

        assertThat(s.current()).isEqualTo(ConfigSnapshot.empty());
        assertThat(s.health()).isEqualTo(BackendHealth.up("config:test", "revision 0"));
    }

    @Test
    @DisplayName("a backend that fails to start is closed, the delivery thread ends, and the failure reaches the builder")
    void failedStartClosesTheBackend() {
        ScriptedBackend b = new ScriptedBackend("failing-start");
        b.onStart = sink -> {
            throw new IllegalStateException("cannot reach the store");
        };

        assertThatThrownBy(() -> new PublishingConfigSource(b, ConfigValidator.acceptAll(), clock))
                .isInstanceOf(IllegalStateException.class).hasMessage("cannot reach the store");

        assertThat(b.closes).hasValue(1);
        await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("exstate-config-failing-start") && t.isAlive()));
    }

    @Test
    @DisplayName("a backend problem turns UP into DEGRADED and explains a source that is not loaded; DOWN stays DOWN")
    void backendProblemDegradesHealth() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        b.problem = "store unreachable";

        assertThat(s.health()).isEqualTo(BackendHealth.down("config:test", "no config snapshot loaded yet; store unreachable"));
        assertThatThrownBy(s::current).hasMessage("no config snapshot loaded from the test's backend yet: store unreachable");

        b.offer(snap(4, "a", "1"));

        assertThat(s.health()).isEqualTo(BackendHealth.degraded("config:test", "revision 4; store unreachable"));
        b.problem = null;
        assertThat(s.health()).isEqualTo(BackendHealth.up("config:test", "revision 4"));
    }

    @Test
    @DisplayName("a snapshot not newer than the current one is ignored and not delivered")
    void staleRevisionsAreIgnored() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        List<ConfigChange> seen = new CopyOnWriteArrayList<>();
        s.subscribe(seen::add);

        assertThat(b.offer(snap(5, "a", "1"))).isTrue();
        assertThat(b.offer(snap(5, "a", "other"))).isFalse();
        assertThat(b.offer(snap(3, "a", "older"))).isFalse();
        assertThat(b.offer(snap(6, "a", "2"))).isTrue();

        assertThat(s.current()).isEqualTo(snap(6, "a", "2"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).hasSize(2));
        s.close();
        assertThat(seen).extracting(c -> c.current().revision()).containsExactly(5L, 6L);
    }

    @Test
    @DisplayName("listeners get every accepted change in order, with previous snapshot and changed keys")
    void changesArriveInOrderWithPreviousAndChangedKeys() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        List<ConfigChange> seen = new CopyOnWriteArrayList<>();
        s.subscribe(seen::add);

        for (int rev = 1; rev <= 100; rev++) {
            b.offer(snap(rev, "counter", Integer.toString(rev), "fixed", "x"));
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
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        List<Long> revisions = new CopyOnWriteArrayList<>();
        s.subscribe(c -> revisions.add(c.current().revision()));
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread worker = new Thread(() -> {
                for (int i = 0; i < 100; i++) {
                    int rev = next.incrementAndGet();
                    b.offer(snap(rev, "v", Integer.toString(rev)));
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
        assertThat(s.current().revision()).isEqualTo(400);
    }

    @Test
    @DisplayName("a rejected snapshot is recorded, not delivered, and the last good one stays current")
    void rejectedSnapshotKeepsLastGood() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, rejectingValue("bad"));
        List<ConfigChange> seen = new CopyOnWriteArrayList<>();
        s.subscribe(seen::add);
        b.offer(snap(1, "a", "good"));

        clock.advance(Duration.ofMinutes(5));
        assertThat(b.offer(snap(2, "a", "bad"))).isFalse();

        assertThat(s.current()).isEqualTo(snap(1, "a", "good"));
        assertThat(s.lastRejection()).contains(new ConfigRejection(2,
                List.of("value must not be 'bad'", "second problem"), Instant.parse("2026-03-01T10:05:00Z")));
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
        assertThat(s.health().detail()).contains("revision 1").contains("revision 2 rejected");

        assertThat(b.offer(snap(3, "a", "better"))).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).hasSize(2));
        assertThat(seen.get(1).previous()).isEqualTo(snap(1, "a", "good"));
        assertThat(seen.get(1).current()).isEqualTo(snap(3, "a", "better"));
    }

    @Test
    @DisplayName("any exception from the validator rejects; its message becomes the problem; current() says which revision")
    void anyValidatorExceptionRejects() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, snapshot -> snapshot.getInt("limit", 0));

        assertThat(b.offer(snap(1, "limit", "many"))).isFalse();

        assertThat(s.isLoaded()).isFalse();
        assertThat(s.lastRejection().orElseThrow().problems())
                .containsExactly("config key 'limit' = 'many' is not a valid int");
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.DOWN);
        assertThat(s.health().detail()).contains("revision 1 rejected");
        assertThatThrownBy(s::current).isInstanceOf(ConfigNotLoadedException.class)
                .hasMessageContaining("the test's backend").hasMessageContaining("revision 1 was rejected")
                .hasMessageNotContaining("many");
    }

    @Test
    @DisplayName("a listener that throws does not stop delivery to itself or to others")
    void throwingListenerDoesNotAffectOthers() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        AtomicInteger throwerCalls = new AtomicInteger();
        List<Long> seen = new CopyOnWriteArrayList<>();
        s.subscribe(c -> {
            throwerCalls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        s.subscribe(c -> seen.add(c.current().revision()));

        b.offer(snap(1, "a", "1"));
        b.offer(snap(2, "a", "2"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly(1L, 2L));
        assertThat(throwerCalls).hasValue(2);
    }

    @Test
    @DisplayName("a listener throwing StackOverflowError does not end delivery: later changes still reach every listener")
    void stackOverflowInListenerDoesNotEndDelivery() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        List<Long> thrower = new CopyOnWriteArrayList<>();
        List<Long> seen = new CopyOnWriteArrayList<>();
        s.subscribe(c -> {
            thrower.add(c.current().revision());
            throw new StackOverflowError();
        });
        s.subscribe(c -> seen.add(c.current().revision()));

        b.offer(snap(1, "a", "1"));
        b.offer(snap(2, "a", "2"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly(1L, 2L));
        assertThat(thrower).containsExactly(1L, 2L);
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
    }

    @Test
    @DisplayName("a listener throwing OutOfMemoryError does not end delivery, but health turns DOWN for good, naming it")
    void virtualMachineErrorInListenerMarksHealthDown() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        List<Long> seen = new CopyOnWriteArrayList<>();
        s.subscribe(c -> {
            if (c.current().revision() == 1) {
                throw new OutOfMemoryError("simulated");
            }
        });
        s.subscribe(c -> seen.add(c.current().revision()));

        b.offer(snap(1, "a", "1"));
        b.offer(snap(2, "a", "2"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly(1L, 2L));
        BackendHealth h = s.health();
        assertThat(h.status()).isEqualTo(BackendHealth.Status.DOWN);
        assertThat(h.detail()).contains("OutOfMemoryError", "revision 1", "restart");
        assertThat(s.current().revision()).isEqualTo(2);
    }

    @Test
    @DisplayName("a validator throwing StackOverflowError rejects that snapshot without throwing into the backend; a later good one is accepted")
    void stackOverflowInValidatorRejects() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, snapshot -> {
            if (snapshot.values().containsKey("deep")) {
                throw new StackOverflowError();
            }
        });
        assertThat(b.offer(snap(1, "a", "1"))).isTrue();

        assertThat(b.offer(snap(2, "deep", "x"))).isFalse();

        assertThat(s.current().revision()).isEqualTo(1);
        assertThat(s.lastRejection().orElseThrow().problems()).singleElement().asString().contains("StackOverflowError");
        assertThat(b.offer(snap(3, "a", "3"))).isTrue();
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
    }

    @Test
    @DisplayName("a validator throwing OutOfMemoryError rejects that snapshot and turns health DOWN for good")
    void virtualMachineErrorInValidatorMarksHealthDown() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, snapshot -> {
            if (snapshot.values().containsKey("huge")) {
                throw new OutOfMemoryError("simulated");
            }
        });
        b.offer(snap(1, "a", "1"));

        assertThat(b.offer(snap(2, "huge", "x"))).isFalse();
        assertThat(b.offer(snap(3, "a", "3"))).isTrue();

        assertThat(s.current().revision()).isEqualTo(3);
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.DOWN);
        assertThat(s.health().detail()).contains("validator", "OutOfMemoryError", "revision 2", "restart");
    }

    @Test
    @DisplayName("reject() records an unusable backend state as the last rejection and keeps the current snapshot")
    void backendRejection() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        b.offer(snap(5, "a", "1"));

        assertThat(b.reject(4, List.of("old"))).isFalse();
        assertThat(b.reject(6, List.of("key 'x' is not UTF-8"))).isTrue();

        assertThat(s.lastRejection().orElseThrow().revision()).isEqualTo(6);
        assertThat(s.current().revision()).isEqualTo(5);
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
        assertThat(s.health().detail()).contains("revision 6 rejected");
    }

    @Test
    @DisplayName("a new listener is not told about changes accepted before it subscribed, even if still queued")
    void newListenerSkipsChangesAcceptedBefore() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        CountDownLatch release = new CountDownLatch(1);
        List<Long> first = new CopyOnWriteArrayList<>();
        s.subscribe(c -> {
            first.add(c.current().revision());
            awaitLatch(release);
        });
        b.offer(snap(1, "a", "1"));
        await().atMost(WAIT).until(() -> first.size() == 1); // delivery thread now blocked in the first listener
        b.offer(snap(2, "a", "2"));                          // queued behind it
        List<Long> late = new CopyOnWriteArrayList<>();
        s.subscribe(c -> late.add(c.current().revision()));
        release.countDown();
        b.offer(snap(3, "a", "3"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(late).containsExactly(3L));
        assertThat(first).containsExactly(1L, 2L, 3L);
    }

    @Test
    @DisplayName("an unsubscribed listener is no longer called, and closing its handle twice is harmless")
    void unsubscribedListenerIsNoLongerCalled() throws Exception {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        List<Long> seen = new CopyOnWriteArrayList<>();
        AutoCloseable handle = s.subscribe(c -> seen.add(c.current().revision()));
        b.offer(snap(1, "a", "1"));
        await().atMost(WAIT).until(() -> seen.size() == 1);

        handle.close();
        handle.close();
        b.offer(snap(2, "a", "2"));
        s.close(); // delivers what is queued

        assertThat(seen).containsExactly(1L);
    }

    @Test
    @DisplayName("close() closes the backend once, delivers what was accepted, then stops; later offers are refused")
    void closeDrainsTheQueue() throws Exception {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        CountDownLatch release = new CountDownLatch(1);
        List<Long> seen = new CopyOnWriteArrayList<>();
        AtomicReference<Thread> deliveryThread = new AtomicReference<>();
        s.subscribe(c -> {
            deliveryThread.set(Thread.currentThread());
            awaitLatch(release);
            seen.add(c.current().revision());
        });
        for (int rev = 1; rev <= 5; rev++) {
            b.offer(snap(rev, "a", Integer.toString(rev)));
        }
        Thread closer = new Thread(s::close);
        closer.start();
        release.countDown();
        closer.join(WAIT.toMillis());

        assertThat(closer.isAlive()).isFalse();
        assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(deliveryThread.get().getName()).isEqualTo("exstate-config-test");
        assertThat(deliveryThread.get().isDaemon()).isTrue();
        assertThat(deliveryThread.get().isAlive()).isFalse();
        assertThat(b.offer(snap(6, "a", "6"))).isFalse();
        assertThat(b.reject(7, List.of("late"))).isFalse();
        s.close();
        assertThat(b.closes).hasValue(1);
    }

    @Test
    @DisplayName("a listener may close its source without deadlock")
    void closeFromListener() {
        ScriptedBackend b = new ScriptedBackend();
        PublishingConfigSource s = source(b, ConfigValidator.acceptAll());
        AtomicInteger calls = new AtomicInteger();
        s.subscribe(c -> {
            calls.incrementAndGet();
            s.close();
        });

        b.offer(snap(1, "a", "1"));

        await().atMost(WAIT).until(() -> calls.get() == 1);
        assertThat(b.offer(snap(2, "a", "2"))).isFalse();
        assertThat(b.closes).hasValue(1);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
