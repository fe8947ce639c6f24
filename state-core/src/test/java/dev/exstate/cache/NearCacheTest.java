package dev.exstate.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("NearCache")
class NearCacheTest {

    private final ManualClock clock = new ManualClock();

    private NearCache<String, String> cache() {
        return NearCache.<String, String>builder("test").clock(clock).build();
    }

    @Nested
    @DisplayName("reads")
    class Reads {

        @Test
        @DisplayName("get loads once, then serves hits; hits and misses are counted")
        void hitsAndMisses() {
            NearCache<String, String> cache = cache();
            AtomicInteger loads = new AtomicInteger();

            assertThat(cache.getIfPresent("k")).isEmpty();
            assertThat(cache.get("k", k -> "v" + loads.incrementAndGet())).isEqualTo("v1");
            assertThat(cache.get("k", k -> "v" + loads.incrementAndGet())).isEqualTo("v1");
            assertThat(cache.getIfPresent("k")).contains("v1");

            assertThat(loads.get()).isEqualTo(1);
            NearCacheStats s = cache.stats();
            assertThat(s.hits()).isEqualTo(2);
            assertThat(s.misses()).isEqualTo(2);
            assertThat(s.size()).isEqualTo(1);
            assertThat(s.connected()).isTrue();
        }

        @Test
        @DisplayName("a loader returning null means absent and caches nothing")
        void nullLoadIsNotCached() {
            NearCache<String, String> cache = cache();
            AtomicInteger loads = new AtomicInteger();

            assertThat(cache.get("k", k -> {
                loads.incrementAndGet();
                return null;
            })).isNull();
            assertThat(cache.get("k", k -> {
                loads.incrementAndGet();
                return null;
            })).isNull();
            assertThat(loads.get()).isEqualTo(2);
            assertThat(cache.stats().size()).isZero();
        }

        @Test
        @DisplayName("a loader's exception propagates and nothing is cached")
        void loaderExceptionPropagates() {
            NearCache<String, String> cache = cache();
            IllegalStateException boom = new IllegalStateException("backend down");

            assertThatThrownBy(() -> cache.get("k", k -> {
                throw boom;
            })).isSameAs(boom);
            assertThat(cache.getIfPresent("k")).isEmpty();
        }

        @Test
        @DisplayName("size is bounded by maximumSize")
        void sizeIsBounded() {
            NearCache<String, String> cache = NearCache.<String, String>builder("bounded")
                    .clock(clock).maximumSize(10).build();
            for (int i = 0; i < 100; i++) {
                cache.put("k" + i, "v" + i);
            }
            assertThat(cache.stats().size()).isLessThanOrEqualTo(10);
        }

        @Test
        @DisplayName("entries expire expireAfterWrite after they were written")
        void entriesExpireAfterWrite() {
            NearCache<String, String> cache = NearCache.<String, String>builder("expiring")
                    .clock(clock).expireAfterWrite(Duration.ofMinutes(1)).build();
            cache.put("k", "v");

            clock.advance(Duration.ofSeconds(59));
            assertThat(cache.getIfPresent("k")).contains("v");

            clock.advance(Duration.ofSeconds(2));
            assertThat(cache.getIfPresent("k")).isEmpty();
            assertThat(cache.getStale("k", Duration.ofDays(1))).as("expired entries are not served stale either").isEmpty();
        }
    }

    @Nested
    @DisplayName("invalidation")
    class Invalidation {

        @Test
        @DisplayName("invalidate drops the key and is counted")
        void invalidateDropsKey() {
            NearCache<String, String> cache = cache();
            cache.put("a", "1");
            cache.put("b", "2");

            cache.invalidate("a");

            assertThat(cache.getIfPresent("a")).isEmpty();
            assertThat(cache.getIfPresent("b")).contains("2");
            assertThat(cache.stats().invalidations()).isEqualTo(1);
        }

        @Test
        @DisplayName("invalidateAll drops everything and counts once")
        void invalidateAllDropsEverything() {
            NearCache<String, String> cache = cache();
            cache.put("a", "1");
            cache.put("b", "2");

            cache.invalidateAll();

            assertThat(cache.getIfPresent("a")).isEmpty();
            assertThat(cache.getIfPresent("b")).isEmpty();
            assertThat(cache.stats().size()).isZero();
            assertThat(cache.stats().invalidations()).isEqualTo(1);
        }

        @Test
        @DisplayName("a value loaded while its key is invalidated is returned but not cached")
        void invalidateDuringLoadLeavesNothingCached() {
            NearCache<String, String> cache = cache();

            String loaded = cache.get("k", k -> {
                String old = "old value read before the write";
                cache.invalidate(k); // the backend's invalidation arrives while we load
                return old;
            });

            assertThat(loaded).isEqualTo("old value read before the write");
            assertThat(cache.getIfPresent("k")).isEmpty();
            assertThat(cache.get("k", k -> "new")).isEqualTo("new");
            assertThat(cache.getIfPresent("k")).contains("new");
        }

        @Test
        @DisplayName("putIfCurrent refuses a value whose key was invalidated after beginLoad")
        void putIfCurrentRefusesInvalidatedKey() {
            NearCache<String, String> cache = cache();
            long token = cache.beginLoad("k");
            cache.invalidate("k");
            cache.putIfCurrent("k", "stale", token);
            assertThat(cache.getIfPresent("k")).isEmpty();

            long fresh = cache.beginLoad("k");
            cache.putIfCurrent("k", "current", fresh);
            assertThat(cache.getIfPresent("k")).contains("current");
        }

        @Test
        @DisplayName("invalidating another key does not stop a load from being cached")
        void otherKeysInvalidationDoesNotBlockCaching() {
            NearCache<String, String> cache = cache();
            long token = cache.beginLoad("k1");
            cache.invalidate("k2");
            cache.putIfCurrent("k1", "v", token);
            assertThat(cache.getIfPresent("k1")).contains("v");
        }

        @Test
        @DisplayName("invalidateAll, disconnected and reconnected during a load all prevent caching it")
        void globalEventsDuringLoadPreventCaching() {
            NearCache<String, String> cache = cache();
            for (String event : List.of("invalidateAll", "disconnected", "reconnected")) {
                cache.reconnected();
                long token = cache.beginLoad("k");
                switch (event) {
                    case "invalidateAll" -> cache.invalidateAll();
                    case "disconnected" -> cache.disconnected();
                    default -> cache.reconnected();
                }
                cache.putIfCurrent("k", "loaded before " + event, token);
                assertThat(cache.getStale("k", Duration.ofDays(1))).as(event).isEmpty();
            }
        }

        @Test
        @DisplayName("under concurrent writes and loads, no value older than the last invalidation stays cached")
        void noStaleValueSurvivesConcurrentInvalidation() throws Exception {
            NearCache<String, Long> cache = NearCache.<String, Long>builder("race").clock(clock).build();
            AtomicLong backend = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> readers = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(2);
            for (int r = 0; r < 2; r++) {
                Thread t = new Thread(() -> {
                    started.countDown();
                    try {
                        while (!stop.get()) {
                            cache.get("k", k -> backend.get());
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "reader-" + r);
                t.setDaemon(true);
                t.start();
                readers.add(t);
            }
            started.await(5, TimeUnit.SECONDS);

            for (long version = 1; version <= 20_000; version++) {
                backend.set(version);   // the backend applies a write ...
                cache.invalidate("k");  // ... then tells the cache
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join(5_000);
            }

            assertThat(failure.get()).isNull();
            Optional<Long> cached = cache.getIfPresent("k");
            assertThat(cached.orElse(20_000L)).isEqualTo(20_000L);
        }
    }

    @Nested
    @DisplayName("disconnection and staleness")
    class Staleness {

        @Test
        @DisplayName("while connected, getStale serves the cached value and counts it")
        void connectedValueIsNotStale() {
            NearCache<String, String> cache = cache();
            cache.put("k", "v");
            clock.advance(Duration.ofMinutes(5));

            assertThat(cache.getStale("k", Duration.ZERO)).contains("v");
            assertThat(cache.stats().staleServed()).isEqualTo(1);
        }

        @Test
        @DisplayName("after disconnect nothing is served fresh; get goes to the loader")
        void disconnectedServesNothingFresh() {
            NearCache<String, String> cache = cache();
            cache.put("k", "v");

            cache.disconnected();

            assertThat(cache.stats().connected()).isFalse();
            assertThat(cache.getIfPresent("k")).isEmpty();
            AtomicInteger loads = new AtomicInteger();
            assertThat(cache.get("k", k -> "reloaded" + loads.incrementAndGet())).isEqualTo("reloaded1");
            assertThat(cache.get("k", k -> "reloaded" + loads.incrementAndGet())).isEqualTo("reloaded2");
            assertThat(cache.stats().hits()).isZero();
        }

        @Test
        @DisplayName("after disconnect, stale values are served only within the bound, measured from the disconnect")
        void staleWithinBoundOnly() {
            NearCache<String, String> cache = cache();
            cache.put("k", "v");
            clock.advance(Duration.ofMinutes(5)); // loaded long ago, but known current until the disconnect
            cache.disconnected();

            clock.advance(Duration.ofSeconds(30));
            assertThat(cache.getStale("k", Duration.ofSeconds(30))).contains("v");
            assertThat(cache.getStale("k", Duration.ofSeconds(29))).isEmpty();

            clock.advance(Duration.ofSeconds(1));
            assertThat(cache.getStale("k", Duration.ofSeconds(30))).isEmpty();
            assertThat(cache.stats().staleServed()).isEqualTo(1);
        }

        @Test
        @DisplayName("a value loaded after the disconnect is as stale as the time since it was loaded")
        void stalenessOfValueLoadedWhileDisconnected() {
            NearCache<String, String> cache = cache();
            cache.disconnected();
            clock.advance(Duration.ofSeconds(20));
            assertThat(cache.get("k", k -> "loaded")).isEqualTo("loaded");

            clock.advance(Duration.ofSeconds(10));
            assertThat(cache.getStale("k", Duration.ofSeconds(10))).contains("loaded");
            clock.advance(Duration.ofSeconds(1));
            assertThat(cache.getStale("k", Duration.ofSeconds(10))).isEmpty();
        }

        @Test
        @DisplayName("a second disconnected() does not reset the staleness clock")
        void repeatedDisconnectKeepsFirstTime() {
            NearCache<String, String> cache = cache();
            cache.put("k", "v");
            cache.disconnected();
            clock.advance(Duration.ofSeconds(20));
            cache.disconnected();
            clock.advance(Duration.ofSeconds(20));

            assertThat(cache.getStale("k", Duration.ofSeconds(30))).isEmpty();
        }

        @Test
        @DisplayName("after a reconnect, values cached before are unverified: not fresh, still stale within the bound, replaced by the next load")
        void reconnectedKeepsEntriesUnverified() {
            NearCache<String, String> cache = cache();
            cache.put("k", "v");
            cache.disconnected();
            clock.advance(Duration.ofSeconds(5));

            cache.reconnected();

            NearCacheStats s = cache.stats();
            assertThat(s.connected()).isTrue();
            assertThat(s.verified()).isTrue();
            assertThat(s.size()).as("kept as a stale fallback").isEqualTo(1);
            assertThat(cache.getIfPresent("k")).as("never served as fresh").isEmpty();
            assertThat(cache.getStale("k", Duration.ofSeconds(5))).as("5 s stale, measured from the disconnect").contains("v");
            assertThat(cache.getStale("k", Duration.ofSeconds(4))).isEmpty();

            AtomicInteger loads = new AtomicInteger();
            assertThat(cache.get("k", k -> "revalidated" + loads.incrementAndGet())).isEqualTo("revalidated1");
            assertThat(cache.get("k", k -> "revalidated" + loads.incrementAndGet())).isEqualTo("revalidated1");
            assertThat(cache.getIfPresent("k")).contains("revalidated1");
            assertThat(loads.get()).isEqualTo(1);
        }

        @Test
        @DisplayName("a value cached while disconnected is unverified after the reconnect too")
        void valueCachedWhileDisconnectedIsUnverifiedAfterReconnect() {
            NearCache<String, String> cache = cache();
            cache.disconnected();
            cache.put("k", "written while disconnected");

            cache.reconnected();

            assertThat(cache.getIfPresent("k")).isEmpty();
            assertThat(cache.getStale("k", Duration.ofSeconds(1))).contains("written while disconnected");
        }

        @Test
        @DisplayName("an unverified value stays unverified through later reconnects; only a load verifies it")
        void unverifiedStaysUnverified() {
            NearCache<String, String> cache = cache();
            cache.put("k", "v");
            cache.disconnected();
            cache.reconnected();
            cache.disconnected();
            cache.reconnected();

            assertThat(cache.getIfPresent("k")).isEmpty();
            long token = cache.beginLoad("k");
            cache.putIfCurrent("k", "loaded", token);
            assertThat(cache.getIfPresent("k")).contains("loaded");
        }

        @Test
        @DisplayName("a reconnect while loads are in flight keeps their values out of the cache")
        void reconnectDuringLoadPreventsCaching() {
            NearCache<String, String> cache = cache();
            cache.put("k", "old");
            cache.disconnected();
            long token = cache.beginLoad("k");
            cache.reconnected();

            cache.putIfCurrent("k", "read before the channel was back", token);

            assertThat(cache.getIfPresent("k")).isEmpty();
            assertThat(cache.getStale("k", Duration.ofDays(1))).contains("old");
        }
    }

    @Nested
    @DisplayName("heartbeat window")
    class Heartbeat {

        private final AtomicReference<InvalidationListener<String>> source = new AtomicReference<>();

        private NearCache<String, String> cache(Duration window) {
            return NearCache.<String, String>builder("heartbeat").clock(clock)
                    .invalidationSource(l -> {
                        source.set(l);
                        return () -> { };
                    })
                    .heartbeatWindow(window).build();
        }

        @Test
        @DisplayName("nothing is fresh until the source first proves delivery")
        void nothingFreshBeforeFirstHeartbeat() {
            NearCache<String, String> cache = cache(Duration.ofSeconds(1));
            cache.put("k", "v");
            assertThat(cache.getIfPresent("k")).isEmpty();
            assertThat(cache.stats().verified()).isFalse();

            source.get().heardFrom(Duration.ZERO);

            assertThat(cache.getIfPresent("k")).contains("v");
            assertThat(cache.stats().verified()).isTrue();
        }

        @Test
        @DisplayName("values are fresh only while the channel was heard from within the window, measured from the proven point")
        void freshOnlyWithinTheWindow() {
            NearCache<String, String> cache = cache(Duration.ofSeconds(1));
            source.get().heardFrom(Duration.ZERO);
            cache.put("k", "v");

            clock.advance(Duration.ofSeconds(1));
            assertThat(cache.getIfPresent("k")).contains("v");

            clock.advance(Duration.ofMillis(1));
            assertThat(cache.getIfPresent("k")).as("heartbeat overdue").isEmpty();
            assertThat(cache.stats().verified()).isFalse();
            assertThat(cache.stats().connected()).isTrue();
            assertThat(cache.getStale("k", Duration.ofMillis(1001))).as("as stale as the last proven point").contains("v");
            assertThat(cache.getStale("k", Duration.ofMillis(1000))).isEmpty();

            // a PING sent 900 ms ago was just answered: fresh for another 100 ms
            source.get().heardFrom(Duration.ofMillis(900));
            assertThat(cache.getIfPresent("k")).contains("v");
            clock.advance(Duration.ofMillis(101));
            assertThat(cache.getIfPresent("k")).isEmpty();
        }

        @Test
        @DisplayName("an older proof never moves the proven point back")
        void heardFromIsMonotonic() {
            NearCache<String, String> cache = cache(Duration.ofSeconds(1));
            cache.put("k", "v");
            source.get().heardFrom(Duration.ZERO);
            source.get().heardFrom(Duration.ofSeconds(5));

            assertThat(cache.getIfPresent("k")).contains("v");
        }

        @Test
        @DisplayName("a value loaded while the heartbeat is overdue is not fresh either")
        void loadDuringOverdueHeartbeatIsNotFresh() {
            NearCache<String, String> cache = cache(Duration.ofSeconds(1));
            source.get().heardFrom(Duration.ZERO);
            clock.advance(Duration.ofSeconds(2));

            AtomicInteger loads = new AtomicInteger();
            cache.get("k", k -> "v" + loads.incrementAndGet());
            cache.get("k", k -> "v" + loads.incrementAndGet());
            assertThat(loads.get()).as("each read went to the backend").isEqualTo(2);

            source.get().heardFrom(Duration.ZERO);
            assertThat(cache.getIfPresent("k")).contains("v2");
        }

        @Test
        @DisplayName("after a disconnect, staleness counts from the last heartbeat, not from the disconnect")
        void stalenessFromLastHeartbeat() {
            NearCache<String, String> cache = cache(Duration.ofSeconds(1));
            cache.put("k", "v");
            source.get().heardFrom(Duration.ZERO);
            clock.advance(Duration.ofSeconds(3));
            source.get().disconnected();
            source.get().heardFrom(Duration.ZERO); // ignored while disconnected
            assertThat(cache.stats().verified()).isFalse();

            assertThat(cache.getStale("k", Duration.ofSeconds(3))).contains("v");
            assertThat(cache.getStale("k", Duration.ofMillis(2999))).isEmpty();

            source.get().reconnected();
            assertThat(cache.stats().verified()).as("verified as of the reconnect").isTrue();
            assertThat(cache.getIfPresent("k")).isEmpty();
            assertThat(cache.getStale("k", Duration.ofSeconds(3))).contains("v");
        }

        @Test
        @DisplayName("a heartbeat window without an invalidation source is refused at build time")
        void windowNeedsASource() {
            assertThatThrownBy(() -> NearCache.<String, String>builder("x").heartbeatWindow(Duration.ofSeconds(1)).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("needs an invalidationSource");
            assertThatThrownBy(() -> NearCache.<String, String>builder("x").heartbeatWindow(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("heartbeatWindow must be positive");
        }
    }

    @Nested
    @DisplayName("invalidation source")
    class Source {

        @Test
        @DisplayName("a cache built with a source subscribes to it and obeys its events")
        void sourceDrivesTheCache() {
            AtomicReference<InvalidationListener<String>> listener = new AtomicReference<>();
            AtomicBoolean subscriptionClosed = new AtomicBoolean();
            InvalidationSource<String> source = l -> {
                listener.set(l);
                return () -> subscriptionClosed.set(true);
            };

            NearCache<String, String> cache = NearCache.<String, String>builder("sourced")
                    .clock(clock).invalidationSource(source).build();
            cache.put("k", "v");

            assertThat(listener.get()).isSameAs(cache);
            listener.get().invalidate("k");
            assertThat(cache.getIfPresent("k")).isEmpty();
            listener.get().disconnected();
            assertThat(cache.stats().connected()).isFalse();
            listener.get().reconnected();
            assertThat(cache.stats().connected()).isTrue();
            assertThat(subscriptionClosed).isFalse();
        }
    }
}
