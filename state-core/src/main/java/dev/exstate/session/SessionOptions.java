package dev.exstate.session;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SessionStore}. Immutable; build with {@link #builder()}.
 *
 * @param maxInactiveInterval    a session expires when not used for this long (default 30 min,
 *                               from 1 ms to {@link #MAX_INACTIVE_INTERVAL}, 365 days)
 * @param touchInterval          reads refresh the expiry at most this often, so a read does not
 *                               write on every request; the effective idle timeout is therefore
 *                               between {@code maxInactiveInterval - touchInterval} and
 *                               {@code maxInactiveInterval} (default 1 min, must be less than
 *                               {@code maxInactiveInterval})
 * @param maxAttributes          most attributes one session may hold (default 100, at most
 *                               {@link #MAX_ATTRIBUTES})
 * @param maxSessionBytes        most bytes of names plus values one session may hold (default 64 KiB,
 *                               at most {@link #MAX_SESSION_BYTES}); checked before anything is sent
 * @param maxAttributeNameLength longest attribute name in characters (default 200, at most
 *                               {@link #MAX_ATTRIBUTE_NAME_LENGTH})
 *
 * <p>Every setting out of its range fails with {@link IllegalArgumentException} naming the value.
 */
public record SessionOptions(Duration maxInactiveInterval, Duration touchInterval, int maxAttributes,
                             long maxSessionBytes, int maxAttributeNameLength) {

    /** Longest idle timeout: a year. Longer values would overflow expiry arithmetic in backends. */
    public static final Duration MAX_INACTIVE_INTERVAL = Duration.ofDays(365);
    /** Most attributes a session may be allowed. */
    public static final int MAX_ATTRIBUTES = 10_000;
    /**
     * Largest session size that may be allowed: 64 MiB. A session is read whole on every request
     * that misses the near cache; larger data belongs in a {@link dev.exstate.blob.BlobStore}.
     */
    public static final long MAX_SESSION_BYTES = 64L * 1024 * 1024;
    /** Longest attribute name that may be allowed, in characters. */
    public static final int MAX_ATTRIBUTE_NAME_LENGTH = 1024;

    public SessionOptions {
        Objects.requireNonNull(maxInactiveInterval, "maxInactiveInterval");
        Objects.requireNonNull(touchInterval, "touchInterval");
        // compared as Durations first: toMillis() of a huge Duration would overflow
        if (maxInactiveInterval.compareTo(Duration.ofMillis(1)) < 0 || maxInactiveInterval.compareTo(MAX_INACTIVE_INTERVAL) > 0) {
            throw new IllegalArgumentException("maxInactiveInterval must be between 1 ms and " + MAX_INACTIVE_INTERVAL.toDays()
                    + " days, was " + maxInactiveInterval);
        }
        if (touchInterval.isNegative() || touchInterval.compareTo(maxInactiveInterval) >= 0) {
            throw new IllegalArgumentException("touchInterval must be >= 0 and < maxInactiveInterval (" + maxInactiveInterval
                    + "), was " + touchInterval);
        }
        if (maxAttributes < 1 || maxAttributes > MAX_ATTRIBUTES) {
            throw new IllegalArgumentException("maxAttributes must be between 1 and " + MAX_ATTRIBUTES + ", was " + maxAttributes);
        }
        if (maxSessionBytes < 1 || maxSessionBytes > MAX_SESSION_BYTES) {
            throw new IllegalArgumentException("maxSessionBytes must be between 1 and " + MAX_SESSION_BYTES + " (64 MiB), was "
                    + maxSessionBytes);
        }
        if (maxAttributeNameLength < 1 || maxAttributeNameLength > MAX_ATTRIBUTE_NAME_LENGTH) {
            throw new IllegalArgumentException("maxAttributeNameLength must be between 1 and " + MAX_ATTRIBUTE_NAME_LENGTH
                    + ", was " + maxAttributeNameLength);
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
