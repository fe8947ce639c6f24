package dev.exstate.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.config.ConfigChange;
import dev.exstate.config.ConfigNotLoadedException;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidationException;
import dev.exstate.config.ConfigValidator;
import dev.exstate.health.BackendHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link ConfigSource}, as one text every implementation passes. A provider's test
 * extends this class, creates a fresh backend per test (in its own {@code @BeforeEach}), and
 * implements three hooks: {@link #newSource} (one replica over that backend), and {@link #put} /
 * {@link #delete}, which write straight to the backend (one change, one revision) without going
 * through the source under test.
 *
 * <p>Real backends deliver asynchronously, so every expectation about a change waits with
 * Awaitility (short polls, generous deadline); nothing sleeps. Sources made by {@link #newSource}
 * are closed after each test.
 */
public abstract class ConfigSourceContract {

    /** Deadline for a change to reach a source; generous, since a slow CI machine is not a failure. */
    protected static final Duration PROPAGATION = Duration.ofSeconds(30);

    private final List<ConfigSource> sources = new CopyOnWriteArrayList<>();

    /**
     * A new source over the test's backend: each call is one more replica.
     *
     * @param validator the validator the source must apply
     */
    protected abstract ConfigSource newSource(ConfigValidator validator);

    /** Writes {@code values} to the backend as one change (one new revision). */
    protected abstract void put(Map<String, String> values);

    /** Deletes {@code key} in the backend (one new revision). */
    protected abstract void delete(String key);

    @AfterEach
    void closeSources() {
        for (ConfigSource s : sources) {
            s.close();
        }
        sources.clear();
    }

    /** {@link #newSource}, closed after the test. */
    protected final ConfigSource source(ConfigValidator validator) {
        ConfigSource s = newSource(validator);
        sources.add(s);
        return s;
    }

    protected final ConfigSource source() {
        return source(ConfigValidator.acceptAll());
    }

    protected static ConditionFactory eventually() {
        return await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(10)).pollDelay(Duration.ZERO);
    }

    /** A source that has loaded its first snapshot. */
    protected final ConfigSource loadedSource(ConfigValidator validator) {
        ConfigSource s = source(validator);
        eventually().until(s::isLoaded);
        return s;
    }

    private static void awaitValue(ConfigSource s, String key, String value) {
        eventually().untilAsserted(() ->
                assertThat(s.current().get(key)).as("%s in %s", key, s).contains(value));
    }

    /** Records every change a listener gets. */
    protected static final class Recorder implements dev.exstate.config.ConfigListener {
        final List<ConfigChange> changes = new CopyOnWriteArrayList<>();

        @Override
        public void onChange(ConfigChange change) {
            changes.add(change);
        }

        List<Long> revisions() {
            return changes.stream().map(c -> c.current().revision()).toList();
        }

        Optional<ConfigChange> last() {
            return changes.isEmpty() ? Optional.empty() : Optional.of(changes.get(changes.size() - 1));
        }
    }

    /** The keys whose value differs between two maps, including added and removed keys. */
    private static Set<String> diff(Map<String, String> a, Map<String, String> b) {
        Set<String> out = new TreeSet<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                out.add(k);
            }
        });
        b.keySet().forEach(k -> {
            if (!a.containsKey(k)) {
                out.add(k);
            }
        });
        return out;
    }

    @Nested
    @DisplayName("loading")
    class Loading {

        @Test
        @DisplayName("a new source loads the backend's current values and reports health UP")
        void firstSnapshotIsLoadedAndHealthUp() {
            put(Map.of("app.name", "shop", "app.limit", "5"));

            ConfigSource s = loadedSource(ConfigValidator.acceptAll());

            awaitValue(s, "app.limit", "5");
            assertThat(s.current().get("app.name")).contains("shop");
            assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
            assertThat(s.lastRejection()).isEmpty();
        }

        @Test
        @DisplayName("while no snapshot passed validation, current() throws and health is DOWN")
        void notLoadedUntilASnapshotPasses() {
            put(Map.of("app.limit", "-1"));
            ConfigSource s = source(limitAtLeastZero());

            eventually().until(() -> s.lastRejection().isPresent());

            assertThat(s.isLoaded()).isFalse();
            assertThatThrownBy(s::current).isInstanceOf(ConfigNotLoadedException.class);
            assertThat(s.health().status()).isEqualTo(BackendHealth.Status.DOWN);

            put(Map.of("app.limit", "3"));

            eventually().until(s::isLoaded);
            assertThat(s.current().getInt("app.limit", 0)).isEqualTo(3);
            assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
        }
    }

    @Nested
    @DisplayName("replicas")
    class Replicas {

        @Test
        @DisplayName("a change in the backend reaches current() of every replica without a restart")
        void putIsVisibleInEveryReplica() {
            ConfigSource a = loadedSource(ConfigValidator.acceptAll());
            ConfigSource b = loadedSource(ConfigValidator.acceptAll());

            put(Map.of("feature.checkout", "on"));

            awaitValue(a, "feature.checkout", "on");
            awaitValue(b, "feature.checkout", "on");
            eventually().untilAsserted(() ->
                    assertThat(a.current().revision()).isEqualTo(b.current().revision()));
        }

        @Test
        @DisplayName("a replica started later loads the state written before it")
        void lateReplicaSeesEarlierWrites() {
            ConfigSource early = loadedSource(ConfigValidator.acceptAll());
            put(Map.of("k", "1"));
            put(Map.of("k", "2"));
            awaitValue(early, "k", "2");

            ConfigSource late = loadedSource(ConfigValidator.acceptAll());

            awaitValue(late, "k", "2");
        }
    }

    @Nested
    @DisplayName("listeners")
    class Listeners {

        @Test
        @DisplayName("a change carries the previous snapshot, the new one and exactly the changed keys")
        void changeCarriesOldNewAndChangedKeys() {
            put(Map.of("a", "1", "untouched", "x"));
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            awaitValue(s, "a", "1");
            ConfigSnapshot before = s.current();
            Recorder r = new Recorder();
            s.subscribe(r);

            put(Map.of("a", "2", "b", "3"));

            eventually().until(() -> r.changes.size() == 1);
            ConfigChange c = r.changes.get(0);
            assertThat(c.previous()).isEqualTo(before);
            assertThat(c.current().values()).containsEntry("a", "2").containsEntry("b", "3").containsEntry("untouched", "x");
            assertThat(c.current().revision()).isGreaterThan(before.revision());
            assertThat(c.changedKeys()).containsExactlyInAnyOrder("a", "b");
        }

        @Test
        @DisplayName("a listener is not called for the snapshot in force when it subscribes")
        void notCalledForCurrentSnapshot() {
            put(Map.of("a", "1"));
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            awaitValue(s, "a", "1");
            long subscribedAt = s.current().revision();
            Recorder r = new Recorder();
            s.subscribe(r);

            put(Map.of("a", "2"));

            eventually().until(() -> r.last().map(c -> "2".equals(c.current().values().get("a"))).orElse(false));
            assertThat(r.revisions()).allSatisfy(rev -> assertThat(rev).isGreaterThan(subscribedAt));
        }

        @Test
        @DisplayName("under a burst of 200 changes from several threads, listeners see strictly increasing revisions, "
                + "consistent changes and the final values")
        void burstIsDeliveredInOrder() throws Exception {
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            Recorder r = new Recorder();
            s.subscribe(r);
            int threads = 4;
            int perThread = 50;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String key = "burst.t" + t;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 1; i <= perThread; i++) {
                            put(Map.of(key, Integer.toString(i)));
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get(PROPAGATION.toSeconds(), TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            Map<String, String> expected = new HashMap<>();
            for (int t = 0; t < threads; t++) {
                expected.put("burst.t" + t, Integer.toString(perThread));
            }

            eventually().untilAsserted(() -> assertThat(r.last()).hasValueSatisfying(c ->
                    assertThat(c.current().values()).containsAllEntriesOf(expected)));
            List<ConfigChange> changes = List.copyOf(r.changes);
            assertThat(r.revisions()).doesNotHaveDuplicates().isSorted();
            assertThat(changes).hasSizeLessThanOrEqualTo(threads * perThread);
            for (int i = 0; i < changes.size(); i++) {
                ConfigChange c = changes.get(i);
                assertThat(c.previous().revision()).isLessThan(c.current().revision());
                assertThat(c.changedKeys()).isEqualTo(diff(c.previous().values(), c.current().values()));
                if (i > 0) {
                    assertThat(c.previous()).as("change %d continues from change %d", i, i - 1)
                            .isEqualTo(changes.get(i - 1).current());
                }
            }
            assertThat(s.current()).isEqualTo(changes.get(changes.size() - 1).current());
        }

        @Test
        @DisplayName("a deleted key is reported as changed and is gone from the new snapshot")
        void deletedKeyIsReportedAsChanged() {
            put(Map.of("a", "1", "b", "2"));
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            awaitValue(s, "b", "2");
            Recorder r = new Recorder();
            s.subscribe(r);

            delete("a");

            eventually().until(() -> r.changes.size() == 1);
            ConfigChange c = r.changes.get(0);
            assertThat(c.changedKeys()).containsExactly("a");
            assertThat(c.previous().get("a")).contains("1");
            assertThat(c.current().get("a")).isEmpty();
            assertThat(s.current().get("a")).isEmpty();
            assertThat(s.current().get("b")).contains("2");
        }

        @Test
        @DisplayName("an unsubscribed listener is no longer called")
        void unsubscribedListenerIsNotCalled() throws Exception {
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            Recorder removed = new Recorder();
            Recorder kept = new Recorder();
            AutoCloseable handle = s.subscribe(removed);
            s.subscribe(kept);

            handle.close();
            put(Map.of("a", "1"));

            eventually().until(() -> kept.changes.size() == 1);
            s.close(); // delivers whatever was still queued
            assertThat(removed.changes).isEmpty();
        }

        @Test
        @DisplayName("a listener that throws does not stop delivery to other listeners")
        void throwingListenerDoesNotStopOthers() {
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            s.subscribe(change -> {
                throw new IllegalStateException("listener bug (expected by the test)");
            });
            Recorder r = new Recorder();
            s.subscribe(r);

            put(Map.of("a", "1"));
            put(Map.of("a", "2"));

            eventually().until(() -> r.last().map(c -> "2".equals(c.current().values().get("a"))).orElse(false));
        }

        @Test
        @DisplayName("a listener throwing StackOverflowError (an Error) does not end delivery: later changes reach it and others")
        void listenerThrowingAnErrorDoesNotEndDelivery() {
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            Recorder thrower = new Recorder();
            s.subscribe(change -> {
                thrower.onChange(change);
                throw new StackOverflowError("thrown by the test's listener");
            });
            Recorder r = new Recorder();
            s.subscribe(r);

            put(Map.of("a", "1"));
            eventually().until(() -> r.last().map(c -> "1".equals(c.current().values().get("a"))).orElse(false));
            put(Map.of("a", "2"));

            eventually().until(() -> r.last().map(c -> "2".equals(c.current().values().get("a"))).orElse(false));
            eventually().until(() -> thrower.last().map(c -> "2".equals(c.current().values().get("a"))).orElse(false));
            assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
        }
    }

    @Nested
    @DisplayName("validation")
    class Validation {

        @Test
        @DisplayName("a rejected snapshot never becomes current nor reaches a listener, and a later good one is accepted")
        void rejectedSnapshotKeepsLastGood() {
            put(Map.of("app.limit", "5"));
            ConfigSource s = loadedSource(limitAtLeastZero());
            awaitValue(s, "app.limit", "5");
            ConfigSnapshot good = s.current();
            Recorder r = new Recorder();
            s.subscribe(r);

            put(Map.of("app.limit", "-1"));

            eventually().until(() -> s.lastRejection().isPresent());
            assertThat(s.lastRejection().get().revision()).isGreaterThan(good.revision());
            assertThat(s.lastRejection().get().problems()).anySatisfy(p -> assertThat(p).contains("app.limit"));
            assertThat(s.current()).isEqualTo(good);
            assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);

            put(Map.of("app.limit", "7"));

            awaitValue(s, "app.limit", "7");
            eventually().until(() -> r.changes.size() == 1);
            assertThat(r.changes.get(0).previous()).isEqualTo(good);
            assertThat(r.changes.get(0).current().get("app.limit")).contains("7");
        }

        @Test
        @DisplayName("a validator throwing StackOverflowError (an Error) rejects that revision; later changes are still read")
        void validatorThrowingAnErrorRejectsOnlyThatRevision() {
            put(Map.of("app.limit", "5"));
            ConfigSource s = loadedSource(snapshot -> {
                if (snapshot.values().containsKey("app.recurse")) {
                    throw new StackOverflowError("thrown by the test's validator");
                }
            });
            awaitValue(s, "app.limit", "5");
            ConfigSnapshot good = s.current();
            Recorder r = new Recorder();
            s.subscribe(r);

            put(Map.of("app.recurse", "yes"));

            eventually().until(() -> s.lastRejection().isPresent());
            assertThat(s.lastRejection().get().problems()).anySatisfy(p -> assertThat(p).contains("StackOverflowError"));
            assertThat(s.current()).isEqualTo(good);

            delete("app.recurse");
            put(Map.of("app.limit", "6"));

            awaitValue(s, "app.limit", "6");
            eventually().until(() -> r.last().map(c -> "6".equals(c.current().values().get("app.limit"))).orElse(false));
            assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
        }

        @Test
        @DisplayName("a value that does not parse is rejected by a validator that binds, naming the key")
        void unparsableValueIsRejected() {
            put(Map.of("app.limit", "5"));
            ConfigSource s = loadedSource(limitAtLeastZero());

            put(Map.of("app.limit", "many"));

            eventually().until(() -> s.lastRejection().isPresent());
            assertThat(s.lastRejection().get().problems()).anySatisfy(p ->
                    assertThat(p).contains("'app.limit'").contains("not a valid int"));
            assertThat(s.current().getInt("app.limit", 0)).isEqualTo(5);
        }
    }

    /** Settings bound from keys under {@code shop.}; public so any binder may construct it. */
    public enum Mode { FAST, SAFE }

    /** Settings bound from keys under {@code shop.}. */
    public record ShopSettings(int maxItems, long bigNumber, double ratio, boolean enabled, Duration timeout,
                               Mode mode, List<String> tags, Optional<String> motto) {
    }

    @Nested
    @DisplayName("typed access")
    class TypedAccess {

        @Test
        @DisplayName("typed getters and bind() work on a snapshot read from the backend")
        void gettersAndBindOnARealSnapshot() {
            Map<String, String> values = new HashMap<>();
            values.put("shop.max-items", "25");
            values.put("shop.big-number", "10000000000");
            values.put("shop.ratio", "0.5");
            values.put("shop.enabled", "TRUE");
            values.put("shop.timeout", "250ms");
            values.put("shop.mode", "safe");
            values.put("shop.tags", "a, b ,c");
            put(values);
            ConfigSource s = loadedSource(ConfigValidator.acceptAll());
            awaitValue(s, "shop.tags", "a, b ,c");
            ConfigSnapshot snap = s.current();

            assertThat(snap.getInt("shop.max-items", 0)).isEqualTo(25);
            assertThat(snap.getLong("shop.big-number", 0)).isEqualTo(10_000_000_000L);
            assertThat(snap.getDouble("shop.ratio", 0)).isEqualTo(0.5);
            assertThat(snap.getBoolean("shop.enabled", false)).isTrue();
            assertThat(snap.getDuration("shop.timeout", Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
            assertThat(snap.subtree("shop.")).containsEntry("max-items", "25").hasSize(7);
            assertThat(snap.bind("shop.", ShopSettings.class)).isEqualTo(new ShopSettings(
                    25, 10_000_000_000L, 0.5, true, Duration.ofMillis(250), Mode.SAFE,
                    List.of("a", "b", "c"), Optional.empty()));
        }
    }

    @Nested
    @DisplayName("close()")
    class Closing {

        @Test
        @DisplayName("close() is idempotent and a closed source stops calling its listeners")
        void closeIsIdempotent() {
            ConfigSource closed = loadedSource(ConfigValidator.acceptAll());
            ConfigSource witness = loadedSource(ConfigValidator.acceptAll());
            Recorder r = new Recorder();
            closed.subscribe(r);

            closed.close();
            assertThatCode(closed::close).doesNotThrowAnyException();
            put(Map.of("after.close", "1"));

            awaitValue(witness, "after.close", "1");
            assertThat(r.changes).isEmpty();
        }
    }

    /** Rejects a snapshot whose {@code app.limit} is negative or not an int. */
    protected static ConfigValidator limitAtLeastZero() {
        return snapshot -> {
            int limit = snapshot.getInt("app.limit", 0);
            if (limit < 0) {
                throw new ConfigValidationException("app.limit must be >= 0, was " + limit);
            }
        };
    }
}
