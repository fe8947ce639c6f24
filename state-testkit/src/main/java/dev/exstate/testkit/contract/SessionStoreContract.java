package dev.exstate.testkit.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.codec.Codec;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionLimitException;
import dev.exstate.session.SessionNotFoundException;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.TimeControl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link SessionStore} satisfies, as one abstract JUnit suite. A provider's
 * test extends it, starts a fresh backend per test (in its own {@code @BeforeEach}) and answers
 * {@link #newStore} and {@link #time}; each {@code newStore} call is one more replica over the
 * same backend, so the suite checks what replicas sharing a backend can rely on.
 *
 * <p>Most tests use a 30 min idle timeout ({@link #options()}), so a slow machine can never
 * expire a session a test still needs. Only the {@code expiry} tests make time pass: with a
 * manual clock by advancing it, with a real backend clock by short real timeouts
 * ({@link #expiryOptions()}) and waiting.
 *
 * <p>Override {@link #storedAttributes} to read the backend's storage directly (e.g. Redis
 * {@code HGETALL}), so that "nothing was written" is checked where it matters.
 */
public abstract class SessionStoreContract {
    private final List<SessionStore> stores = new CopyOnWriteArrayList<>();
    private SessionStore replicaA;
    private SessionStore replicaB;

    /** A new replica of the store under test, over this test's backend. Closed by the suite. */
    protected abstract SessionStore newStore(SessionOptions options);

    /** How time passes for the backend under test. */
    protected abstract TimeControl time();

    /**
     * White-box hook: the attributes the backend holds for {@code id}, read without touching
     * the session if the backend allows it; empty if the session is not stored. The default
     * asks a fresh replica's {@link SessionStore#find}.
     */
    protected Optional<Map<String, byte[]>> storedAttributes(SessionId id) {
        SessionStore fresh = store(options());
        return fresh.find(id).map(SessionStoreContract::attributesOf);
    }

    /**
     * The options of every test but the expiry tests: 30 min idle timeout and 1 min touch
     * interval, whatever the clock, so no session expires while a test still uses it.
     */
    protected SessionOptions options() {
        return SessionOptions.builder().maxInactiveInterval(Duration.ofMinutes(30)).touchInterval(Duration.ofMinutes(1)).build();
    }

    /**
     * The options of the expiry tests: {@link #options()} with a manual clock; with real time a
     * 3 s idle timeout and a 300 ms touch interval, short enough to wait for, long enough that
     * the sliding-expiry tests keep 0.9 s between a read and the expiry it must prevent.
     */
    protected SessionOptions expiryOptions() {
        return time().isManual()
                ? options()
                : SessionOptions.builder().maxInactiveInterval(Duration.ofSeconds(3)).touchInterval(Duration.ofMillis(300)).build();
    }

    /** Longest time the suite waits for an asynchronous effect of a real backend. */
    protected Duration patience() {
        return Duration.ofSeconds(30);
    }

    @AfterEach
    void closeStores() {
        for (SessionStore s : stores) {
            s.close();
        }
        stores.clear();
        replicaA = null;
        replicaB = null;
    }

    /** Replica A with {@link #options()}. */
    protected final SessionStore a() {
        if (replicaA == null) {
            replicaA = store(options());
        }
        return replicaA;
    }

    /** Replica B with {@link #options()}. */
    protected final SessionStore b() {
        if (replicaB == null) {
            replicaB = store(options());
        }
        return replicaB;
    }

    /** A new replica with {@code opts}, closed after the test. */
    protected final SessionStore store(SessionOptions opts) {
        SessionStore s = newStore(opts);
        stores.add(s);
        return s;
    }

    private Duration ttl() {
        return expiryOptions().maxInactiveInterval();
    }

    private Duration touch() {
        return expiryOptions().touchInterval();
    }

    /** Lets an {@link #expiryOptions()} session's idle timeout pass; on a real clock, waits until the backend agrees. */
    private void letExpire(SessionId id) {
        time().advance(ttl());
        if (!time().isManual()) {
            await().atMost(patience()).pollInterval(Duration.ofMillis(20))
                    .until(() -> storedAttributes(id).isEmpty());
        }
    }

    private static Map<String, byte[]> attributesOf(Session s) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String name : s.attributeNames()) {
            out.put(name, s.getBytes(name).orElseThrow());
        }
        return out;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private Session createWith(SessionStore store, Map<String, String> attributes) {
        Session s = store.create();
        attributes.forEach(s::putString);
        store.save(s);
        return s;
    }

    /** A JSON-encodable value for the codec round trip. */
    public record Cart(String owner, List<String> items, int total) {
    }

    @Nested
    @DisplayName("creating and finding")
    class CreateAndFind {

        @Test
        @DisplayName("a created session is found by another replica")
        void createdSessionIsFoundByOtherReplica() {
            Session created = a().create();

            Optional<Session> found = b().find(created.id());

            assertThat(found).isPresent();
            assertThat(found.get().id()).isEqualTo(created.id());
            assertThat(found.get().attributeNames()).isEmpty();
            assertThat(found.get().isDirty()).isFalse();
        }

        @Test
        @DisplayName("an unknown id finds nothing")
        void unknownIdFindsNothing() {
            assertThat(a().find(SessionId.generate())).isEmpty();
        }

        @Test
        @DisplayName("ids from create are unique over 1000 sessions and parse as session ids")
        void createdIdsAreUniqueAndWellFormed() {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 1000; i++) {
                SessionId id = (i % 2 == 0 ? a() : b()).create().id();
                assertThat(SessionId.of(id.value())).isEqualTo(id);
                ids.add(id.value());
            }
            assertThat(ids).hasSize(1000);
        }

        @Test
        @DisplayName("attributes round-trip through codecs across replicas")
        void attributesRoundTripThroughCodecs() {
            Cart cart = new Cart("alice", List.of("apple", "pear"), 7);
            byte[] raw = {0, 1, 2, (byte) 0xff, 127, -128};
            Session s = a().create();
            s.putString("text", "grüße ✓ 𝄞");
            s.put("count", 42L, Codec.longs());
            s.put("negative", Long.MIN_VALUE, Codec.longs());
            s.put("raw", raw, Codec.bytes());
            s.put("cart", cart, Codec.json(Cart.class));
            a().save(s);

            Session found = b().find(s.id()).orElseThrow();

            assertThat(found.getString("text")).contains("grüße ✓ 𝄞");
            assertThat(found.get("count", Codec.longs())).contains(42L);
            assertThat(found.get("negative", Codec.longs())).contains(Long.MIN_VALUE);
            assertThat(found.get("raw", Codec.bytes()).orElseThrow()).containsExactly(raw);
            assertThat(found.get("cart", Codec.json(Cart.class))).contains(cart);
            assertThat(found.attributeNames()).containsExactlyInAnyOrder("text", "count", "negative", "raw", "cart");
        }

        @Test
        @DisplayName("a saved session is no longer dirty and shows its saved values")
        void savedSessionIsClean() {
            Session s = a().create();
            s.putString("k", "v");
            assertThat(s.isDirty()).isTrue();

            a().save(s);

            assertThat(s.isDirty()).isFalse();
            assertThat(s.getString("k")).contains("v");
        }
    }

    @Nested
    @DisplayName("saving changes")
    class Saving {

        @Test
        @DisplayName("replicas that change different attributes of one session keep both changes")
        void deltaSavesFromTwoReplicasBothSurvive() {
            Session created = createWith(a(), Map.of("shared", "0"));
            Session onA = a().find(created.id()).orElseThrow();
            Session onB = b().find(created.id()).orElseThrow();

            onA.putString("fromA", "a");
            onB.putString("fromB", "b");
            a().save(onA);
            b().save(onB);

            Map<String, byte[]> stored = storedAttributes(created.id()).orElseThrow();
            assertThat(stored).containsOnlyKeys("shared", "fromA", "fromB");
            assertThat(utf8(stored.get("fromA"))).isEqualTo("a");
            assertThat(utf8(stored.get("fromB"))).isEqualTo("b");
            assertThat(utf8(stored.get("shared"))).isEqualTo("0");
        }

        @Test
        @DisplayName("a removal is saved and seen by another replica")
        void removalIsSaved() {
            Session created = createWith(a(), Map.of("gone", "x", "kept", "y"));
            Session onB = b().find(created.id()).orElseThrow();

            onB.remove("gone");
            b().save(onB);

            assertThat(storedAttributes(created.id()).orElseThrow()).containsOnlyKeys("kept");
            // a near cache hears of another replica's write a moment after it is acknowledged
            await().atMost(patience()).pollInterval(Duration.ofMillis(5))
                    .untilAsserted(() -> assertThat(a().find(created.id()).orElseThrow().attributeNames()).containsExactly("kept"));
            assertThat(a().findFresh(created.id()).orElseThrow().attributeNames()).containsExactly("kept");
        }

        @Test
        @DisplayName("findFresh sees another replica's save as soon as it is acknowledged, even of a session read just before")
        void findFreshSeesAnotherReplicasSaveAtOnce() {
            Session created = createWith(a(), Map.of("k", "v1"));
            Session onB = b().find(created.id()).orElseThrow();
            for (int i = 2; i <= 30; i++) {
                a().find(created.id()).orElseThrow(); // may now be answered locally
                onB.putString("k", "v" + i);
                b().save(onB);

                assertThat(a().findFresh(created.id()).orElseThrow().getString("k")).contains("v" + i);
            }
            b().invalidate(created.id());
            assertThat(a().findFresh(created.id())).isEmpty();
        }

        @Test
        @DisplayName("a save without changes still succeeds and keeps stored attributes")
        void saveWithoutChangesKeepsAttributes() {
            Session created = createWith(a(), Map.of("k", "v"));
            Session onB = b().find(created.id()).orElseThrow();

            b().save(onB);

            assertThat(utf8(storedAttributes(created.id()).orElseThrow().get("k"))).isEqualTo("v");
        }

        @Test
        @DisplayName("2 replicas x 8 threads updating their own attributes 50 times lose no update")
        void concurrentSavesOfDifferentAttributesLoseNothing() throws Exception {
            SessionId id = a().create().id();
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                SessionStore store = r == 0 ? a() : b();
                for (int t = 0; t < 8; t++) {
                    String name = "r" + r + "t" + t;
                    tasks.add(() -> {
                        for (int i = 1; i <= 50; i++) {
                            Session s = store.find(id).orElseThrow();
                            s.put(name, (long) i, Codec.longs());
                            store.save(s);
                        }
                        return null;
                    });
                }
            }

            Concurrently.runTogether(tasks);

            // a replica's near cache hears of the other replica's last writes a moment after they are acknowledged
            await().atMost(patience()).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> {
                Session result = a().find(id).orElseThrow();
                assertThat(result.attributeNames()).hasSize(16);
                for (String name : result.attributeNames()) {
                    assertThat(result.get(name, Codec.longs())).as(name).contains(50L);
                }
            });
        }
    }

    @Nested
    @DisplayName("unit of work: update and create(init)")
    class UnitOfWork {

        @Test
        @DisplayName("update saves what the work changed when it returns, returns the work's result, and another replica sees the change")
        void updateSavesOnReturn() {
            SessionId id = createWith(a(), Map.of("user", "ada", "gone", "x")).id();

            Optional<String> result = a().update(id, s -> {
                s.putString("cart", "3 items").remove("gone");
                return s.getString("user").orElseThrow();
            });

            assertThat(result).contains("ada");
            Map<String, byte[]> stored = storedAttributes(id).orElseThrow();
            assertThat(stored).containsOnlyKeys("user", "cart");
            assertThat(utf8(stored.get("cart"))).isEqualTo("3 items");
            Session onB = b().find(id).orElseThrow();
            assertThat(onB.getString("cart")).contains("3 items");
            assertThat(onB.attributeNames()).containsExactlyInAnyOrder("user", "cart");
            assertThat(b().update(id, s -> s.getString("cart").orElseThrow())).contains("3 items");
        }

        @Test
        @DisplayName("update of an unknown or invalidated session returns empty without calling the work")
        void updateOfMissingSessionIsEmpty() {
            SessionId invalidated = createWith(a(), Map.of("k", "v")).id();
            b().invalidate(invalidated);
            AtomicInteger calls = new AtomicInteger();

            assertThat(a().update(SessionId.generate(), s -> calls.incrementAndGet())).isEmpty();
            assertThat(a().update(invalidated, s -> calls.incrementAndGet())).isEmpty();

            assertThat(calls).hasValue(0);
            assertThat(storedAttributes(invalidated)).as("not revived").isEmpty();
        }

        @Test
        @DisplayName("update of an expired session returns empty and does not revive it")
        void updateOfExpiredSessionIsEmpty() {
            // the short idle timeout of the expiry tests: only tests about expiry wait for it
            SessionStore shortA = store(expiryOptions());
            SessionStore shortB = store(expiryOptions());
            SessionId id = createWith(shortA, Map.of("k", "v")).id();
            letExpire(id);

            assertThat(shortB.update(id, s -> s.putString("k", "revived"))).isEmpty();

            assertThat(storedAttributes(id)).isEmpty();
        }

        @Test
        @DisplayName("an exception from the work propagates unchanged and nothing it changed is saved")
        void exceptionInWorkSavesNothing() {
            SessionId id = createWith(a(), Map.of("k", "v")).id();
            IllegalStateException failure = new IllegalStateException("payment declined (expected by the test)");

            assertThatThrownBy(() -> a().update(id, s -> {
                s.putString("k", "changed").putString("new", "x").remove("k");
                throw failure;
            })).isSameAs(failure);

            Map<String, byte[]> stored = storedAttributes(id).orElseThrow();
            assertThat(stored).containsOnlyKeys("k");
            assertThat(utf8(stored.get("k"))).isEqualTo("v");
            assertThat(b().find(id).orElseThrow().getString("k")).contains("v");
        }

        @Test
        @DisplayName("an update whose work changes nothing writes nothing (the stored last access stays), one that changes something writes")
        void unchangedUpdateDoesNotWrite() {
            // a touch interval far longer than the test, so no read refreshes the last access:
            // only a write can move it
            SessionOptions opts = SessionOptions.builder().maxInactiveInterval(Duration.ofMinutes(20))
                    .touchInterval(Duration.ofMinutes(10)).build();
            SessionStore writer = store(opts);
            SessionStore reader = store(opts);
            SessionId id = writer.create(s -> s.putString("user", "ada")).id();
            Instant before = reader.findFresh(id).orElseThrow().lastAccessedAt();
            time().advance(Duration.ofMillis(50));

            for (int i = 0; i < 3; i++) {
                assertThat(writer.update(id, s -> s.getString("user").orElseThrow())).contains("ada");
            }

            assertThat(reader.findFresh(id).orElseThrow().lastAccessedAt()).as("last access after read-only updates")
                    .isEqualTo(before);
            writer.update(id, s -> s.putString("seen", "yes"));
            assertThat(reader.findFresh(id).orElseThrow().lastAccessedAt()).as("last access after an update that changed something")
                    .isAfter(before);
        }

        @Test
        @DisplayName("update throws SessionNotFoundException, and revives nothing, when the session vanishes between the read and the save")
        void sessionGoneBeforeSave() {
            SessionId id = createWith(a(), Map.of("k", "v")).id();

            assertThatThrownBy(() -> a().update(id, s -> {
                b().invalidate(id); // another replica logs the user out meanwhile
                return s.putString("k", "changed");
            })).isInstanceOf(SessionNotFoundException.class);

            assertThat(storedAttributes(id)).isEmpty();
        }

        @Test
        @DisplayName("create(init) stores the new session with init's attributes; a failing or oversized init leaves no session behind")
        void createWithInit() {
            Session created = a().create(s -> s.putString("user", "ada").put("visits", 1L, Codec.longs()));

            assertThat(created.isDirty()).isFalse();
            assertThat(b().find(created.id()).orElseThrow().getString("user")).contains("ada");
            assertThat(storedAttributes(created.id()).orElseThrow()).containsOnlyKeys("user", "visits");

            List<SessionId> seen = new ArrayList<>();
            IllegalStateException failure = new IllegalStateException("init failed (expected by the test)");
            assertThatThrownBy(() -> a().create(s -> {
                seen.add(s.id());
                s.putString("user", "bob");
                throw failure;
            })).isSameAs(failure);
            byte[] tooBig = new byte[(int) options().maxSessionBytes() + 1];
            assertThatThrownBy(() -> a().create(s -> {
                seen.add(s.id());
                s.put("blob", tooBig, Codec.bytes());
            })).isInstanceOf(SessionLimitException.class);

            assertThat(seen).hasSize(2).allSatisfy(id -> {
                assertThat(storedAttributes(id)).as("session of a failed create(init)").isEmpty();
                assertThat(b().find(id)).isEmpty();
            });
        }
    }

    @Nested
    @DisplayName("atomic compute")
    class Compute {

        @Test
        @DisplayName("2 replicas x 8 threads x 50 increments sum exactly")
        void concurrentIncrementsSumExactly() throws Exception {
            SessionId id = a().create().id();
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                SessionStore store = r == 0 ? a() : b();
                for (int t = 0; t < 8; t++) {
                    tasks.add(() -> {
                        for (int i = 0; i < 50; i++) {
                            store.compute(id, "counter", Codec.longs(), v -> v == null ? 1L : v + 1);
                        }
                        return null;
                    });
                }
            }

            Concurrently.runTogether(tasks);

            assertThat(b().findFresh(id).orElseThrow().get("counter", Codec.longs())).contains(800L);
            await().atMost(patience()).pollInterval(Duration.ofMillis(5))
                    .untilAsserted(() -> assertThat(b().find(id).orElseThrow().get("counter", Codec.longs())).contains(800L));
        }

        @Test
        @DisplayName("compute sees null for a missing attribute and returns the new value")
        void computeStartsFromNullAndReturnsNewValue() {
            SessionId id = a().create().id();
            AtomicInteger calls = new AtomicInteger();

            String result = a().compute(id, "greeting", Codec.utf8(), v -> {
                calls.incrementAndGet();
                return v == null ? "hello" : v + "!";
            });

            assertThat(result).isEqualTo("hello");
            assertThat(calls).hasPositiveValue();
            assertThat(b().compute(id, "greeting", Codec.utf8(), v -> v + "!")).isEqualTo("hello!");
            assertThat(utf8(storedAttributes(id).orElseThrow().get("greeting"))).isEqualTo("hello!");
        }

        @Test
        @DisplayName("a null result removes the attribute")
        void nullResultRemovesAttribute() {
            Session created = createWith(a(), Map.of("temp", "x", "kept", "y"));

            Object result = b().compute(created.id(), "temp", Codec.utf8(), v -> null);

            assertThat(result).isNull();
            assertThat(storedAttributes(created.id()).orElseThrow()).containsOnlyKeys("kept");
        }

        @Test
        @DisplayName("compute on a missing session throws SessionNotFoundException")
        void computeOnMissingSessionThrows() {
            SessionId unknown = SessionId.generate();

            assertThatThrownBy(() -> a().compute(unknown, "n", Codec.longs(), v -> 1L))
                    .isInstanceOf(SessionNotFoundException.class);
            assertThat(storedAttributes(unknown)).isEmpty();
        }

        @Test
        @DisplayName("compute leaves other attributes alone")
        void computeKeepsOtherAttributes() {
            Session created = createWith(a(), Map.of("other", "o"));

            b().compute(created.id(), "n", Codec.longs(), v -> 5L);

            Map<String, byte[]> stored = storedAttributes(created.id()).orElseThrow();
            assertThat(stored).containsOnlyKeys("other", "n");
            assertThat(utf8(stored.get("other"))).isEqualTo("o");
        }
    }

    @Nested
    @DisplayName("expiry")
    class Expiry {
        private SessionStore shortA;
        private SessionStore shortB;

        /** Replica A with {@link #expiryOptions()}. */
        private SessionStore ea() {
            if (shortA == null) {
                shortA = store(expiryOptions());
            }
            return shortA;
        }

        /** Replica B with {@link #expiryOptions()}. */
        private SessionStore eb() {
            if (shortB == null) {
                shortB = store(expiryOptions());
            }
            return shortB;
        }

        @Test
        @DisplayName("a session idle for maxInactiveInterval is gone on every replica")
        void idleSessionExpires() {
            SessionId id = ea().create().id();

            letExpire(id);

            assertThat(ea().find(id)).isEmpty();
            assertThat(eb().find(id)).isEmpty();
        }

        @Test
        @DisplayName("with a manual clock, a session is still there just before its idle timeout")
        void sessionLivesUntilIdleTimeout() {
            org.junit.jupiter.api.Assumptions.assumeTrue(time().isManual(), "needs exact time control");
            SessionId id = ea().create().id();

            time().advance(ttl().minusMillis(1));
            assertThat(storedAttributes(id)).isPresent();
        }

        @Test
        @DisplayName("reads keep a session alive beyond maxInactiveInterval (sliding expiry)")
        void readsKeepSessionAlive() {
            SessionId id = createWith(ea(), Map.of("k", "v")).id();
            Duration step = ttl().multipliedBy(7).dividedBy(10);

            time().advance(step);
            assertThat(eb().find(id)).as("read after 70%% of the idle timeout").isPresent();
            time().advance(step);
            Optional<Session> later = ea().find(id);

            assertThat(later).as("read 140%% of the idle timeout after creation, 70%% after the last read").isPresent();
            assertThat(later.get().getString("k")).contains("v");
        }

        @Test
        @DisplayName("saves keep a session alive beyond maxInactiveInterval")
        void savesKeepSessionAlive() {
            Session s = ea().create();
            Duration step = ttl().multipliedBy(7).dividedBy(10);

            time().advance(step);
            s.putString("k", "1");
            ea().save(s);
            time().advance(step);

            assertThat(eb().find(s.id())).isPresent();
        }

        @Test
        @DisplayName("a read within the touch interval does not refresh the session")
        void readWithinTouchIntervalDoesNotRefresh() {
            // the 1 min touch interval of options(): on a real clock the read surely comes within it
            Duration touch = options().touchInterval();
            Session created = a().create();
            Instant createdAccess = created.lastAccessedAt();
            if (time().isManual()) {
                time().advance(touch.dividedBy(2));
            }

            Session read = b().find(created.id()).orElseThrow();

            assertThat(read.lastAccessedAt()).isEqualTo(createdAccess);
            if (time().isManual()) {
                // the expiry still counts from creation: the read did not move it
                time().advance(options().maxInactiveInterval().minus(touch.dividedBy(2)));
                assertThat(a().find(created.id())).isEmpty();
            }
        }

        @Test
        @DisplayName("a read after the touch interval records the access")
        void readAfterTouchIntervalRefreshes() {
            Session created = ea().create();

            time().advance(touch().plusMillis(1));
            Session read = eb().find(created.id()).orElseThrow();

            assertThat(read.lastAccessedAt()).isAfter(created.lastAccessedAt());
            assertThat(read.createdAt()).isEqualTo(created.createdAt());
        }

        @Test
        @DisplayName("saving an expired session throws SessionNotFoundException and does not revive it")
        void saveAfterExpiryThrows() {
            Session s = ea().create();
            letExpire(s.id());

            s.putString("late", "x");

            assertThatThrownBy(() -> eb().save(s)).isInstanceOf(SessionNotFoundException.class);
            assertThat(storedAttributes(s.id())).isEmpty();
            assertThatThrownBy(() -> ea().compute(s.id(), "n", Codec.longs(), v -> 1L))
                    .isInstanceOf(SessionNotFoundException.class);
            assertThat(ea().find(s.id())).isEmpty();
        }
    }

    @Nested
    @DisplayName("invalidation and id rotation")
    class InvalidateAndRotate {

        @Test
        @DisplayName("invalidate is effective on another replica and idempotent")
        void invalidateIsEffectiveAndIdempotent() {
            Session s = createWith(a(), Map.of("k", "v"));

            a().invalidate(s.id());

            assertThat(b().find(s.id())).isEmpty();
            assertThat(storedAttributes(s.id())).isEmpty();
            a().invalidate(s.id());
            b().invalidate(s.id());
            b().invalidate(SessionId.generate());
            assertThatThrownBy(() -> b().save(s)).isInstanceOf(SessionNotFoundException.class);
        }

        @Test
        @DisplayName("rotateId keeps the attributes under a new id and the old id finds nothing")
        void rotateIdMovesSession() {
            Session s = createWith(a(), Map.of("user", "alice", "role", "admin"));

            SessionId newId = b().rotateId(s.id());

            assertThat(newId).isNotEqualTo(s.id());
            assertThat(newId.value()).hasSize(43);
            assertThat(SessionId.of(newId.value())).isEqualTo(newId);
            assertThat(storedAttributes(s.id())).isEmpty();
            assertThat(a().findFresh(s.id())).isEmpty();
            await().atMost(patience()).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> assertThat(a().find(s.id())).isEmpty());
            Session moved = a().find(newId).orElseThrow();
            assertThat(moved.getString("user")).contains("alice");
            assertThat(moved.getString("role")).contains("admin");
            assertThat(moved.attributeNames()).containsExactlyInAnyOrder("user", "role");
        }

        @Test
        @DisplayName("saving under the old id after rotation throws SessionNotFoundException")
        void saveUnderOldIdAfterRotationThrows() {
            Session s = createWith(a(), Map.of("k", "v"));
            b().rotateId(s.id());

            s.putString("k", "changed");

            assertThatThrownBy(() -> a().save(s)).isInstanceOf(SessionNotFoundException.class);
        }

        @Test
        @DisplayName("rotateId of a missing session throws SessionNotFoundException")
        void rotateMissingThrows() {
            assertThatThrownBy(() -> a().rotateId(SessionId.generate())).isInstanceOf(SessionNotFoundException.class);
        }
    }

    @Nested
    @DisplayName("limits")
    class Limits {

        private SessionStore limited() {
            SessionOptions base = options();
            return store(SessionOptions.builder()
                    .maxInactiveInterval(base.maxInactiveInterval())
                    .touchInterval(base.touchInterval())
                    .maxAttributes(3)
                    .maxSessionBytes(100)
                    .maxAttributeNameLength(10)
                    .build());
        }

        private void assertStoredUnchanged(SessionId id, Map<String, String> expected) {
            Map<String, byte[]> stored = storedAttributes(id).orElseThrow();
            assertThat(stored).containsOnlyKeys(expected.keySet().toArray(String[]::new));
            expected.forEach((k, v) -> assertThat(utf8(stored.get(k))).as(k).isEqualTo(v));
        }

        @Test
        @DisplayName("too many attributes fail with SessionLimitException and nothing is written")
        void tooManyAttributes() {
            SessionStore store = limited();
            Session s = createWith(store, Map.of("a", "1", "b", "2", "c", "3"));
            Session next = store.find(s.id()).orElseThrow();
            next.putString("a", "changed");
            next.putString("d", "4");

            assertThatThrownBy(() -> store.save(next))
                    .isInstanceOf(SessionLimitException.class)
                    .hasMessageContaining("maxAttributes");

            assertStoredUnchanged(s.id(), Map.of("a", "1", "b", "2", "c", "3"));
        }

        @Test
        @DisplayName("limits count the resulting attributes: removing one makes room for another")
        void limitsCountResultingAttributes() {
            SessionStore store = limited();
            Session s = createWith(store, Map.of("a", "1", "b", "2", "c", "3"));
            Session next = store.find(s.id()).orElseThrow();
            next.remove("a");
            next.putString("d", "4");

            store.save(next);

            assertStoredUnchanged(s.id(), Map.of("b", "2", "c", "3", "d", "4"));
        }

        @Test
        @DisplayName("too many bytes fail with SessionLimitException and nothing is written")
        void tooManyBytes() {
            SessionStore store = limited();
            String sixty = "x".repeat(60);
            Session s = createWith(store, Map.of("big", sixty));
            Session next = store.find(s.id()).orElseThrow();
            next.putString("small", "y");
            next.putString("big2", sixty);

            assertThatThrownBy(() -> store.save(next))
                    .isInstanceOf(SessionLimitException.class)
                    .hasMessageContaining("maxSessionBytes");

            assertStoredUnchanged(s.id(), Map.of("big", sixty));
        }

        @Test
        @DisplayName("an attribute name that is too long, empty or has control characters is rejected")
        void badNames() {
            SessionStore store = limited();
            Session s = createWith(store, Map.of("a", "1"));

            for (String bad : List.of("x".repeat(11), "", "tab\tname")) {
                Session next = store.find(s.id()).orElseThrow();
                next.putString("b", "ok");
                next.putString(bad, "v");
                assertThatThrownBy(() -> store.save(next)).as("name '%s'", bad).isInstanceOf(SessionLimitException.class);
            }

            assertStoredUnchanged(s.id(), Map.of("a", "1"));
            assertThatThrownBy(() -> store.save(store.find(s.id()).orElseThrow().putString("x".repeat(11), "v")))
                    .hasMessageContaining("maxAttributeNameLength");
        }

        @Test
        @DisplayName("a compute that would exceed a limit fails and leaves the attribute unchanged")
        void computeRespectsLimits() {
            SessionStore store = limited();
            Session s = createWith(store, Map.of("a", "1", "b", "2", "c", "3"));

            assertThatThrownBy(() -> store.compute(s.id(), "d", Codec.utf8(), v -> "4"))
                    .isInstanceOf(SessionLimitException.class);
            assertThatThrownBy(() -> store.compute(s.id(), "a", Codec.utf8(), v -> "x".repeat(200)))
                    .isInstanceOf(SessionLimitException.class);
            assertThatThrownBy(() -> store.compute(s.id(), "x".repeat(11), Codec.utf8(), v -> "v"))
                    .isInstanceOf(SessionLimitException.class);

            assertStoredUnchanged(s.id(), Map.of("a", "1", "b", "2", "c", "3"));
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {

        @Test
        @DisplayName("a value far over maxSessionBytes is refused with SessionLimitException, nothing is written, the store keeps working")
        void oversizedValueIsRefused() {
            Session s = createWith(a(), Map.of("k", "v"));
            byte[] huge = new byte[4 * 1024 * 1024];
            Session next = a().find(s.id()).orElseThrow();
            next.put("big", huge, Codec.bytes());

            assertThatThrownBy(() -> a().save(next))
                    .isInstanceOf(SessionLimitException.class)
                    .hasMessageContaining("maxSessionBytes");
            assertThatThrownBy(() -> b().compute(s.id(), "big", Codec.bytes(), v -> huge))
                    .isInstanceOf(SessionLimitException.class)
                    .hasMessageContaining("maxSessionBytes");

            Map<String, byte[]> stored = storedAttributes(s.id()).orElseThrow();
            assertThat(stored).containsOnlyKeys("k");
            Session again = b().find(s.id()).orElseThrow();
            again.putString("small", "ok");
            b().save(again);
            assertThat(storedAttributes(s.id()).orElseThrow()).containsOnlyKeys("k", "small");
        }

        @Test
        @DisplayName("a save with more new attributes than maxAttributes, or pointless masses of removals, is refused and writes nothing")
        void tooManyNewAttributesInOneSave() {
            SessionStore store = store(SessionOptions.builder()
                    .maxInactiveInterval(options().maxInactiveInterval())
                    .touchInterval(options().touchInterval())
                    .maxAttributes(3)
                    .build());
            Session s = store.create();
            for (int i = 0; i < 5; i++) {
                s.putString("n" + i, "v");
            }

            assertThatThrownBy(() -> store.save(s)).isInstanceOf(SessionLimitException.class).hasMessageContaining("maxAttributes");
            assertThat(storedAttributes(s.id()).orElseThrow()).isEmpty();

            Session removals = store.find(s.id()).orElseThrow();
            for (int i = 0; i < 10_000; i++) {
                removals.remove("gone" + i);
            }
            assertThatThrownBy(() -> store.save(removals)).as("10,000 removals with maxAttributes 3")
                    .isInstanceOf(SessionLimitException.class).hasMessageContaining("maxAttributes");
            Session fine = store.find(s.id()).orElseThrow();
            fine.putString("n0", "v").remove("n1").remove("n2");
            store.save(fine);
            assertThat(storedAttributes(s.id()).orElseThrow()).containsOnlyKeys("n0");
        }

        @Test
        @DisplayName("attribute names with unpaired surrogates are refused everywhere, so they never touch 'x?'")
        void unpairedSurrogatesAreRefused() {
            Session s = createWith(a(), Map.of("x?", "keep"));
            for (String bad : List.of("x\uD800", "\uDC00", "a\uDC00\uD800b", "x\uD800y")) {
                Session put = a().find(s.id()).orElseThrow();
                put.putString(bad, "overwritten?");
                assertThatThrownBy(() -> a().save(put)).as("put").isInstanceOf(SessionLimitException.class)
                        .hasMessageContaining("surrogate");
                Session removal = a().find(s.id()).orElseThrow();
                removal.remove(bad);
                assertThatThrownBy(() -> a().save(removal)).as("remove").isInstanceOf(SessionLimitException.class);
                assertThatThrownBy(() -> b().compute(s.id(), bad, Codec.utf8(), v -> "computed"))
                        .as("compute").isInstanceOf(SessionLimitException.class);
            }

            Session pair = a().find(s.id()).orElseThrow();
            pair.putString("x\uD83D\uDE00", "emoji");
            a().save(pair);

            Map<String, byte[]> stored = storedAttributes(s.id()).orElseThrow();
            assertThat(stored).containsOnlyKeys("x?", "x\uD83D\uDE00");
            assertThat(utf8(stored.get("x?"))).isEqualTo("keep");
            assertThat(utf8(stored.get("x\uD83D\uDE00"))).isEqualTo("emoji");
        }

        @Test
        @DisplayName("attribute names that look like a backend's own fields or tags are plain attributes")
        void namesLikeMetadataArePlainAttributes() {
            Session s = a().create();
            List<String> names = List.of("m:i", "m:c", "m:a", "m:b", "m:r", "a:x", "{tag}", "}{", "%7B", "@x", "..", "*");
            for (String name : names) {
                s.putString(name, "value of " + name);
            }
            a().save(s);
            assertThat(b().compute(s.id(), "m:i", Codec.utf8(), v -> v + "!")).isEqualTo("value of m:i!");

            Session found = b().find(s.id()).orElseThrow();
            assertThat(found.attributeNames()).containsExactlyInAnyOrderElementsOf(names);
            assertThat(found.getString("m:r")).contains("value of m:r");
            assertThat(found.maxInactiveInterval()).isEqualTo(options().maxInactiveInterval());
            assertThat(found.createdAt()).isEqualTo(s.createdAt());
            SessionId moved = b().rotateId(s.id());
            assertThat(a().find(moved).orElseThrow().attributeNames()).containsExactlyInAnyOrderElementsOf(names);
            assertThat(a().findFresh(s.id())).isEmpty();
            await().atMost(patience()).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> assertThat(a().find(s.id())).isEmpty());
        }
    }
}
