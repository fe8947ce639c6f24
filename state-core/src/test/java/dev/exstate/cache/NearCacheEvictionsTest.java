package dev.exstate.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.time.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("NearCacheStats.evictions")
class NearCacheEvictionsTest {

    @Test
    @DisplayName("entries dropped by the size bound or by expiry are evictions; invalidations are not")
    void sizeAndExpiryCountAsEvictions() {
        ManualClock clock = new ManualClock();
        NearCache<String, String> cache = NearCache.<String, String>builder("test")
                .maximumSize(2).expireAfterWrite(Duration.ofMinutes(1)).clock(clock).build();

        cache.put("a", "1");
        cache.put("b", "2");
        cache.invalidate("a");
        assertThat(cache.stats().evictions()).isZero();
        assertThat(cache.stats().invalidations()).isEqualTo(1);

        cache.put("c", "3");
        cache.put("d", "4");
        NearCacheStats full = cache.stats();
        assertThat(full.evictions()).isEqualTo(1);
        assertThat(full.size()).isEqualTo(2);

        clock.advance(Duration.ofMinutes(2));
        NearCacheStats expired = cache.stats();
        assertThat(expired.evictions()).isEqualTo(3);
        assertThat(expired.size()).isZero();
    }
}
