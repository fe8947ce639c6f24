package dev.exstate.lease;

import java.time.Duration;
import java.util.Objects;

/**
 * How a lease is held. Immutable; build with {@link #builder(Duration)}.
 *
 * @param ttl          how long the backend keeps the lease without renewal
 * @param autoRenew    whether the provider renews in the background while the lease is held
 *                     (default true)
 * @param renewEvery   period of background renewal (default ttl / 3)
 * @param safetyMargin subtracted from the local deadline to absorb clock drift and pauses
 *                     (default 1% of ttl + 20 ms)
 */
public record LeaseOptions(Duration ttl, boolean autoRenew, Duration renewEvery, Duration safetyMargin) {

    public LeaseOptions {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(renewEvery, "renewEvery");
        Objects.requireNonNull(safetyMargin, "safetyMargin");
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("lease ttl must be at least 1 ms, was " + ttl);
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
