package dev.exstate.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BlobRangeTest {

    @Test
    @DisplayName("a range whose last byte position would overflow a long is refused (a wrapped HTTP Range is ignored by servers)")
    void overflowingRangeRefused() {
        assertThatThrownBy(() -> BlobRange.of(Long.MAX_VALUE, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobRange.of(5, Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobRange.of(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobRange.of(0, -2)).isInstanceOf(IllegalArgumentException.class);
        assertThat(BlobRange.of(Long.MAX_VALUE, 1).offset()).isEqualTo(Long.MAX_VALUE);
        assertThat(BlobRange.of(1, Long.MAX_VALUE).length()).isEqualTo(Long.MAX_VALUE);
        assertThat(BlobRange.from(Long.MAX_VALUE).length()).isEqualTo(-1);
    }
}
