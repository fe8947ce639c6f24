package dev.exstate.session;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SessionStore}. Immutable; build with {@link #builder()}.
 *
 * @param maxInactiveInterval    a session expires when not used for this long (default 30 min)
 * @param touchInterval          reads refresh the expiry at most this often, so a read does not
 *                               write on every request; the effective idle timeout is therefore
 *                               between {@code maxInactiveInterval - touchInterval} and
 *                               {@code maxInactiveInterval} (default 1 min, must be less than
 *                               {@code maxInactiveInterval})
 * @param maxAttributes          most attributes one session may hold (default 100)
 * @param maxSessionBytes        most bytes of names plus values one session may hold (default 64 KiB)
 * @param maxAttributeNameLength longest attribute name in characters (default 200)
 */
public record SessionOptions(Duration maxInactiveInterval, Duration touchInterval, int maxAttributes,
                             long maxSessionBytes, int maxAttributeNameLength) {

    public SessionOptions {
        Objects.requireNonNull(maxInactiveInterval, "maxInactiveInterval");
        Objects.requireNonNull(touchInterval, "touchInterval");
        if (maxInactiveInterval.toMillis() < 1) {
            throw new IllegalArgumentException("maxInactiveInterval must be at least 1 ms, was " + maxInactiveInterval);
        }
        if (touchInterval.isNegative() || touchInterval.compareTo(maxInactiveInterval) >= 0) {
            throw new IllegalArgumentException("touchInterval must be >= 0 and < maxInactiveInterval, was " + touchInterval);
        }
        if (maxAttributes < 1) {
            throw new IllegalArgumentException("maxAttributes must be >= 1, was " + maxAttributes);
        }
        if (maxSessionBytes < 1) {
            throw new IllegalArgumentException("maxSessionBytes must be >= 1, was " + maxSessionBytes);
        }
        if (maxAttributeNameLength < 1) {
            throw new IllegalArgumentException("maxAttributeNameLength must be >= 1, was " + maxAttributeNameLength);
        }
    }

    public static SessionOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link SessionOptions}. */
    public static final class Builder {
        private Duration maxInactiveInterval = Duration.ofMinutes(30);
        private Duration touchInterval = Duration.ofMinutes(1);
        private int maxAttributes = 100;
        private long maxSessionBytes = 64 * 1024;
        private int maxAttributeNameLength = 200;
        private boolean touchIntervalSet;

        private Builder() {
        }

        public Builder maxInactiveInterval(Duration v) { this.maxInactiveInterval = v; return this; }

        public Builder touchInterval(Duration v) { this.touchInterval = v; this.touchIntervalSet = true; return this; }

        public Builder maxAttributes(int v) { this.maxAttributes = v; return this; }

        public Builder maxSessionBytes(long v) { this.maxSessionBytes = v; return this; }

        public Builder maxAttributeNameLength(int v) { this.maxAttributeNameLength = v; return this; }

        public SessionOptions build() {
            Duration touch = touchInterval;
            if (!touchIntervalSet && maxInactiveInterval != null && touch.compareTo(maxInactiveInterval.dividedBy(10)) > 0) {
                // a short idle timeout (tests, kiosks) keeps a proportionate touch interval
                touch = maxInactiveInterval.dividedBy(10);
            }
            return new SessionOptions(maxInactiveInterval, touch, maxAttributes, maxSessionBytes, maxAttributeNameLength);
        }
    }
}
