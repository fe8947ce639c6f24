package dev.exstate.lease;

import dev.exstate.internal.Check;
import java.time.Duration;
import java.util.Objects;

/**
 * How a lease is held. Immutable and thread-safe; build with {@link #of(Duration)} or
 * {@link #builder(Duration)}, or change a copy with {@link #toBuilder()}. Two options with the
 * same settings are {@linkplain #equals equal}.
 *
 * <p>Defaults for a given {@code ttl}: renewed in the background every {@code ttl / 3}, with a
 * safety margin of 1% of {@code ttl} + 20 ms (a tenth of {@code ttl} when that would exceed half
 * of it).
 *
 * <p>The TTL is checked by {@link #builder(Duration)}, every other setting by its setter, at
 * once: an out-of-range value fails with {@link IllegalArgumentException} (or
 * {@link NullPointerException} for {@code null}) naming the setting, the value and the allowed
 * range. A setting may be set again; the last value wins.
 */
public final class LeaseOptions {

    /**
     * Longest lease TTL: a year. Deadlines are kept in nanoseconds and backends add the TTL to
     * their clocks; far longer values would overflow, and a lease that outlives its holder for
     * longer blocks its name for that long.
     */
    public static final Duration MAX_TTL = Duration.ofDays(365);

    private final Duration ttl;
    private final boolean autoRenew;
    private final Duration renewEvery;
    private final Duration safetyMargin;

    private LeaseOptions(Duration ttl, boolean autoRenew, Duration renewEvery, Duration safetyMargin) {
        this.ttl = ttl;
        this.autoRenew = autoRenew;
        this.renewEvery = renewEvery;
        this.safetyMargin = safetyMargin;
    }

    /** Defaults for {@code ttl}: auto-renew every ttl/3, margin 1% + 20 ms (capped below ttl). */
    public static LeaseOptions of(Duration ttl) {
        return builder(ttl).build();
    }

    /**
     * A builder for leases of {@code ttl}, starting from the defaults described above.
     *
     * @throws IllegalArgumentException if {@code ttl} is not between 1 ms and {@link #MAX_TTL}
     */
    public static Builder builder(Duration ttl) {
        return new Builder(ttl);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(ttl).autoRenew(autoRenew).renewEvery(renewEvery).safetyMargin(safetyMargin);
    }

    /** How long the backend keeps the lease without renewal: 1 ms to {@link #MAX_TTL}. */
    public Duration ttl() {
        return ttl;
    }

    /** Whether the provider renews in the background while the lease is held (default true). */
    public boolean autoRenew() {
        return autoRenew;
    }

    /** Period of background renewal: positive, shorter than {@link #ttl()} (default ttl / 3). */
    public Duration renewEvery() {
        return renewEvery;
    }

    /**
     * Subtracted from the local deadline to absorb clock drift and pauses: zero or more, shorter
     * than {@link #ttl()} (default 1% of ttl + 20 ms).
     */
    public Duration safetyMargin() {
        return safetyMargin;
    }

    /** Equal if every setting is equal. */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof LeaseOptions l && ttl.equals(l.ttl) && autoRenew == l.autoRenew
                && renewEvery.equals(l.renewEvery) && safetyMargin.equals(l.safetyMargin);
    }

    /** A hash of every setting. */
    @Override
    public int hashCode() {
        return Objects.hash(ttl, autoRenew, renewEvery, safetyMargin);
    }

    /** Every setting, as {@code LeaseOptions[ttl=PT30S, ...]}. */
    @Override
    public String toString() {
        return "LeaseOptions[ttl=" + ttl + ", autoRenew=" + autoRenew + ", renewEvery=" + renewEvery
                + ", safetyMargin=" + safetyMargin + "]";
    }

    /**
     * Builder for {@link LeaseOptions} of one TTL. Each setter checks its value against the TTL at
     * once; setting a value again replaces it. Not thread-safe.
     */
    public static final class Builder {
        private final Duration ttl;
        private boolean autoRenew = true;
        private Duration renewEvery;
        private Duration safetyMargin;

        private Builder(Duration ttl) {
            this.ttl = Check.between(ttl, Duration.ofMillis(1), MAX_TTL, "ttl",
                    () -> "lease ttl must be between 1 ms and " + MAX_TTL.toDays() + " days, was " + ttl);
        }

        /** Whether the provider renews in the background while the lease is held. */
        public Builder autoRenew(boolean v) {
            this.autoRenew = v;
            return this;
        }

        /** Period of background renewal: positive and shorter than the TTL. */
        public Builder renewEvery(Duration v) {
            Objects.requireNonNull(v, "renewEvery");
            this.renewEvery = Check.valid(v, !v.isNegative() && !v.isZero() && v.compareTo(ttl) < 0,
                    () -> "renewEvery must be positive and shorter than ttl (" + ttl + "), was " + v);
            return this;
        }

        /** Subtracted from the local deadline to absorb clock drift and pauses: zero or more, shorter than the TTL. */
        public Builder safetyMargin(Duration v) {
            Objects.requireNonNull(v, "safetyMargin");
            this.safetyMargin = Check.valid(v, !v.isNegative() && v.compareTo(ttl) < 0,
                    () -> "safetyMargin must be >= 0 and shorter than ttl (" + ttl + "), was " + v);
            return this;
        }

        /** The options, with the defaults described in {@link LeaseOptions} for what was not set. */
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
