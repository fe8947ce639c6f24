package dev.exstate.session;

import dev.exstate.internal.Check;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link SessionStore}. Immutable and thread-safe; build with {@link #builder()},
 * or change a copy with {@link #toBuilder()}. Two options with the same settings are
 * {@linkplain #equals equal}.
 *
 * <p>Defaults: sessions expire after 30 min without use, reads refresh the expiry at most once a
 * minute (a tenth of the idle timeout when that is shorter), at most 100 attributes, 64 KiB of
 * names plus values and 200-character attribute names per session.
 *
 * <p>Each builder setter checks its value at once and fails with
 * {@link IllegalArgumentException} (or {@link NullPointerException} for {@code null}) naming
 * the setting, the value and the allowed range; {@link Builder#build()} checks only that the
 * touch interval is shorter than the idle timeout. A setting may be set again; the last value
 * wins.
 */
public final class SessionOptions {

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

    private static final Duration DEFAULT_TOUCH_INTERVAL = Duration.ofMinutes(1);

    private final Duration maxInactiveInterval;
    private final Duration touchInterval;
    private final int maxAttributes;
    private final long maxSessionBytes;
    private final int maxAttributeNameLength;

    private SessionOptions(Builder b, Duration touchInterval) {
        this.maxInactiveInterval = b.maxInactiveInterval;
        this.touchInterval = touchInterval;
        this.maxAttributes = b.maxAttributes;
        this.maxSessionBytes = b.maxSessionBytes;
        this.maxAttributeNameLength = b.maxAttributeNameLength;
    }

    /** The defaults described above. */
    public static SessionOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these options. A touch interval that is the default for this idle
     * timeout stays a default, so it follows a new {@link Builder#maxInactiveInterval}.
     */
    public Builder toBuilder() {
        Builder b = new Builder().maxInactiveInterval(maxInactiveInterval).maxAttributes(maxAttributes)
                .maxSessionBytes(maxSessionBytes).maxAttributeNameLength(maxAttributeNameLength);
        if (!touchInterval.equals(defaultTouchInterval(maxInactiveInterval))) {
            b.touchInterval(touchInterval);
        }
        return b;
    }

    /** A session expires when not used for this long: 1 ms to {@link #MAX_INACTIVE_INTERVAL} (default 30 min). */
    public Duration maxInactiveInterval() {
        return maxInactiveInterval;
    }

    /**
     * Reads refresh the expiry at most this often, so a read does not write on every request; the
     * effective idle timeout is therefore between {@code maxInactiveInterval - touchInterval} and
     * {@code maxInactiveInterval}. Zero or more, less than {@link #maxInactiveInterval()}
     * (default 1 min, or a tenth of {@code maxInactiveInterval} when that is shorter).
     */
    public Duration touchInterval() {
        return touchInterval;
    }

    /** Most attributes one session may hold: 1 to {@link #MAX_ATTRIBUTES} (default 100). */
    public int maxAttributes() {
        return maxAttributes;
    }

    /**
     * Most bytes of names plus values one session may hold, checked before anything is sent:
     * 1 to {@link #MAX_SESSION_BYTES} (default 64 KiB).
     */
    public long maxSessionBytes() {
        return maxSessionBytes;
    }

    /** Longest attribute name in characters: 1 to {@link #MAX_ATTRIBUTE_NAME_LENGTH} (default 200). */
    public int maxAttributeNameLength() {
        return maxAttributeNameLength;
    }

    /** Equal if every setting is equal. */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof SessionOptions s
                && maxInactiveInterval.equals(s.maxInactiveInterval) && touchInterval.equals(s.touchInterval)
                && maxAttributes == s.maxAttributes && maxSessionBytes == s.maxSessionBytes
                && maxAttributeNameLength == s.maxAttributeNameLength;
    }

    /** A hash of every setting. */
    @Override
    public int hashCode() {
        return Objects.hash(maxInactiveInterval, touchInterval, maxAttributes, maxSessionBytes, maxAttributeNameLength);
    }

    /** Every setting, as {@code SessionOptions[maxInactiveInterval=PT30M, ...]}. */
    @Override
    public String toString() {
        return "SessionOptions[maxInactiveInterval=" + maxInactiveInterval + ", touchInterval=" + touchInterval
                + ", maxAttributes=" + maxAttributes + ", maxSessionBytes=" + maxSessionBytes
                + ", maxAttributeNameLength=" + maxAttributeNameLength + "]";
    }

    private static Duration defaultTouchInterval(Duration maxInactiveInterval) {
        // a short idle timeout (tests, kiosks) keeps a proportionate touch interval
        Duration tenth = maxInactiveInterval.dividedBy(10);
        return DEFAULT_TOUCH_INTERVAL.compareTo(tenth) > 0 ? tenth : DEFAULT_TOUCH_INTERVAL;
    }

    /**
     * Builder for {@link SessionOptions}. Each setter checks its value at once (see the class
     * comment); setting a value again replaces it. Not thread-safe.
     */
    public static final class Builder {
        private Duration maxInactiveInterval = Duration.ofMinutes(30);
        private Duration touchInterval;
        private int maxAttributes = 100;
        private long maxSessionBytes = 64 * 1024;
        private int maxAttributeNameLength = 200;

        private Builder() {
        }

        /** A session expires when not used for this long: 1 ms to {@link #MAX_INACTIVE_INTERVAL}. */
        public Builder maxInactiveInterval(Duration v) {
            this.maxInactiveInterval = Check.between(v, Duration.ofMillis(1), MAX_INACTIVE_INTERVAL, "maxInactiveInterval",
                    () -> "maxInactiveInterval must be between 1 ms and " + MAX_INACTIVE_INTERVAL.toDays() + " days, was " + v);
            return this;
        }

        /** Reads refresh the expiry at most this often: zero or more, and less than the idle timeout (checked by {@link #build()}). */
        public Builder touchInterval(Duration v) {
            Objects.requireNonNull(v, "touchInterval");
            this.touchInterval = Check.valid(v, !v.isNegative() && v.compareTo(MAX_INACTIVE_INTERVAL) < 0,
                    () -> "touchInterval must be >= 0 and < maxInactiveInterval (at most " + MAX_INACTIVE_INTERVAL.toDays()
                            + " days), was " + v);
            return this;
        }

        /** Most attributes one session may hold: 1 to {@link #MAX_ATTRIBUTES}. */
        public Builder maxAttributes(int v) {
            this.maxAttributes = Check.between(v, 1, MAX_ATTRIBUTES, "maxAttributes");
            return this;
        }

        /** Most bytes of names plus values one session may hold: 1 to {@link #MAX_SESSION_BYTES}. */
        public Builder maxSessionBytes(long v) {
            this.maxSessionBytes = Check.valid(v, v >= 1 && v <= MAX_SESSION_BYTES,
                    () -> "maxSessionBytes must be between 1 and " + MAX_SESSION_BYTES + " (64 MiB), was " + v);
            return this;
        }

        /** Longest attribute name in characters: 1 to {@link #MAX_ATTRIBUTE_NAME_LENGTH}. */
        public Builder maxAttributeNameLength(int v) {
            this.maxAttributeNameLength = Check.between(v, 1, MAX_ATTRIBUTE_NAME_LENGTH, "maxAttributeNameLength");
            return this;
        }

        /**
         * The options; without an explicit touch interval it is 1 min, or a tenth of the idle
         * timeout when that is shorter.
         *
         * @throws IllegalArgumentException if the touch interval is not shorter than the idle timeout
         */
        public SessionOptions build() {
            Duration touch = touchInterval != null ? touchInterval : defaultTouchInterval(maxInactiveInterval);
            if (touch.compareTo(maxInactiveInterval) >= 0) {
                throw new IllegalArgumentException("touchInterval must be >= 0 and < maxInactiveInterval ("
                        + maxInactiveInterval + "), was " + touch);
            }
            return new SessionOptions(this, touch);
        }
    }
}
