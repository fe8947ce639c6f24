package dev.exstate.lease;

import java.time.Duration;
import java.util.Objects;

/**
 * How a lease is held. Immutable; build with {@link #builder(Duration)}.
 *
 * @param ttl          how long the backend keeps the lease without renewal: from 1 ms to
 *                     {@link #MAX_TTL} (365 days)
 * @param autoRenew    whether the provider renews in the background while the lease is held
 *                     (default true)
 * @param renewEvery   period of background renewal (default ttl / 3)
 * @param safetyMargin subtracted from the local deadline to absorb clock drift and pauses
 *                     (default 1% of ttl + 20 ms)
 *
 * <p>Out-of-range values fail with {@link IllegalArgumentException} naming the value.
 */
public record LeaseOptions(Duration ttl, boolean autoRenew, Duration renewEvery, Duration safetyMargin) {

    /**
     * Longest lease TTL: a year. Deadlines are kept in nanoseconds and backends add the TTL to
     * their clocks; far longer values would overflow, and a lease that outlives its holder for
     * longer blocks its name for that long.
     */
    public static final Duration MAX_TTL = Duration.ofDays(365);

    public LeaseOptions {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(renewEvery, "renewEvery");
        Objects.requireNonNull(safetyMargin, "safetyMargin");
        if (ttl.compareTo(Duration.ofMillis(1)) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("lease ttl must be between 1 ms and " + MAX_TTL.toDays() + " days, was " + ttl);
        }
        if (renewEvery.isNegative() || renewEvery.isZero() || renewEvery.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("renewEvery must be positive and shorter than ttl (" + ttl + "), was " + renewEvery);
        }
        if (safetyMargin.isNegative() || safetyMargin.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("safetyMargin must be >= 0 and shorter than ttl, was " + safetyMargin);
        }
    }

    /** Defaults for {@code ttl}: auto-renew every ttl/3, margin 1% + 20 ms (capped below ttl). */
    public static LeaseOptions of(Duration ttl) {
        return builder(ttl).build();
    }

    public static Builder builder(Duration ttl) {
        return new Builder(ttl);
    }

    /** Builder for {@link LeaseOptions}. */
    public static final class Builder {
        private final Duration ttl;
        private boolean autoRenew = true;
        private Duration renewEvery;
        private Duration safetyMargin;

        private Builder(Duration ttl) {
            this.ttl = Objects.requireNonNull(ttl, "ttl");
        }

        public Builder autoRenew(boolean v) { this.autoRenew = v; return this; }

        public Builder renewEvery(Duration v) { this.renewEvery = v; return this; }

        public Builder safetyMargin(Duration v) { this.safetyMargin = v; return this; }

        public LeaseOptions build() {
            Duration renew = renewEvery != null ? renewEvery : ttl.dividedBy(3).isZero() ? Duration.ofNanos(1) : ttl.dividedBy(3);
            Duration margin = safetyMargin;
            if (margin == null) {
                margin = ttl.dividedBy(100).plusMillis(20);
                if (margin.compareTo(ttl.dividedBy(2)) > 0) {
                    margin = ttl.dividedBy(10);
                }
            }
            return new LeaseOptions(ttl, autoRenew, renew, margin);
        }
    }
}
