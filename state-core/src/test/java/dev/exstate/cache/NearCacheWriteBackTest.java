package dev.exstate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.time.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("NearCache: a writer's own state (putAfterWrite) and writes of unknown outcome (demote)")
class NearCacheWriteBackTest {
    private final ManualClock clock = new ManualClock();
    private final NearCache<String, String> cache = NearCache.<String, String>builder("test").maximumSize(100).clock(clock).build();

    @Test
    @DisplayName("the written state is cached when nothing was invalidated since the write was sent")
    void writtenStateIsCached() {
        cache.put("k", "v1");
        long token = cache.beginLoad("k");

        cache.putAfterWrite("k", "v2", token);

        assertThat(cache.getIfPresent("k")).contains("v2");
    }

    @Test
    @DisplayName("an invalidation after the write was sent wins: the key is dropped, not written back")
    void invalidationSinceTheWriteWins() {
        cache.put("k", "v1");
        long token = cache.beginLoad("k");
        cache.invalidate("k"); // another replica's write, heard while ours was in flight

        cache.putAfterWrite("k", "v2", token);

        assertThat(cache.getIfPresent("k")).isEmpty();
        assertThat(cache.getStale("k", Duration.ofDays(1))).isEmpty();
    }

    @Test
    @DisplayName("a load or write-back that began before a write-back can no longer cache its (older) value")
    void earlierLoadsAndWriteBacksCannotOverwrite() {
        long loadBegan = cache.beginLoad("k");
        long firstWriteSent = cache.beginLoad("k");
        long secondWriteSent = cache.beginLoad("k");

        cache.putAfterWrite("k", "v3", secondWriteSent);
        cache.putAfterWrite("k", "v2", firstWriteSent);
        cache.putIfCurrent("k", "v1", loadBegan);

        assertThat(cache.getIfPresent("k")).as("a write-back older than the cached state drops the key, never replaces it").isEmpty();
        long again = cache.beginLoad("k");
        cache.putAfterWrite("k", "v4", again);
        assertThat(cache.getIfPresent("k")).contains("v4");
        cache.putIfCurrent("k", "v0", loadBegan);
        assertThat(cache.getIfPresent("k")).contains("v4");
    }

    @Test
    @DisplayName("a demoted value is never fresh but stays available to getStale, stale since the write was sent")
    void demotedValueIsStaleOnly() {
        cache.put("k", "v1");
        clock.advance(Duration.ofSeconds(10));
        long sentAt = clock.nanoTime();
        clock.advance(Duration.ofSeconds(2));

        cache.demote("k", sentAt);

        assertThat(cache.getIfPresent("k")).isEmpty();
        assertThat(cache.getStale("k", Duration.ofSeconds(3))).contains("v1");
        assertThat(cache.getStale("k", Duration.ofSeconds(1))).as("2 s since the write was sent").isEmpty();
    }

    @Test
    @DisplayName("a load that began before a demotion cannot cache its value: the write may land after it")
    void loadBeforeDemotionIsNotCached() {
        long loadBegan = cache.beginLoad("k");
        cache.demote("k", clock.nanoTime());

        cache.putIfCurrent("k", "v1", loadBegan);

        assertThat(cache.getIfPresent("k")).isEmpty();
        long later = cache.beginLoad("k");
        cache.putIfCurrent("k", "v2", later);
        assertThat(cache.getIfPresent("k")).contains("v2");
    }
}
