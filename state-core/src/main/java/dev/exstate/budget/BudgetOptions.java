package dev.exstate.budget;

import dev.exstate.internal.Check;
import dev.exstate.internal.lease.LeaseHandles;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ConnectionBudget} is shared. Immutable and thread-safe; build with
 * {@link #builder(String, int)}. Each setter checks its value at once and fails with
 * {@link IllegalArgumentException} naming the setting, the value and the allowed range.
 *
 * <p>Defaults: permit TTL 5 s (how long a crashed replica's share stays blocked), poll every
 * 200 ms (how fast shares follow joins and leaves), at most 32 replicas.
 */
public final class BudgetOptions {
    /** Largest budget: each connection is one permit lease in the backend. */
    public static final int MAX_CONNECTIONS = 10_000;
    /** Largest number of replicas that can share one budget. */
    public static final int MAX_REPLICAS = 1024;

    private final String resource;
    private final int connections;
    private final int maxReplicas;
    private final Duration permitTtl;
    private final Duration pollInterval;

    private BudgetOptions(Builder b) {
        this.resource = b.resource;
        this.connections = b.connections;
        this.maxReplicas = b.maxReplicas;
        this.permitTtl = b.permitTtl;
        this.pollInterval = b.pollInterval;
    }

    /**
     * A builder for a budget of {@code connections} on {@code resource}.
     *
     * @param resource    a name for the guarded resource, e.g. {@code "orders-db"}; part of lease names
     *                    ({@code budget.<resource>@<i>}), so at most 100 printable characters
     * @param connections 1 to {@link #MAX_CONNECTIONS}: the most connections all replicas together may have
     * @throws IllegalArgumentException for a bad value ({@link dev.exstate.lease.InvalidLeaseNameException} for the name)
     */
    public static Builder builder(String resource, int connections) {
        return new Builder(resource, connections);
    }

    /** The resource's name. */
    public String resource() {
        return resource;
    }

    /** The cluster-wide limit of connections. */
    public int connections() {
        return connections;
    }

    /** How many replicas can hold a membership; a replica beyond it gets no share until a slot frees. */
    public int maxReplicas() {
        return maxReplicas;
    }

    /** TTL of each permit and membership lease in the backend. */
    public Duration permitTtl() {
        return permitTtl;
    }

    /** How often a replica re-reads membership and rebalances. */
    public Duration pollInterval() {
        return pollInterval;
    }

    @Override
    public String toString() {
        return "BudgetOptions[resource=" + resource + ", connections=" + connections + ", maxReplicas=" + maxReplicas
                + ", permitTtl=" + permitTtl + ", pollInterval=" + pollInterval + "]";
    }

    /** Builder for {@link BudgetOptions}; not thread-safe. A setting may be set again; the last value wins. */
    public static final class Builder {
        private final String resource;
        private final int connections;
        private int maxReplicas = 32;
        private Duration permitTtl = Duration.ofSeconds(5);
        private Duration pollInterval = Duration.ofMillis(200);

        private Builder(String resource, int connections) {
            Objects.requireNonNull(resource, "resource");
            Check.valid(resource, !resource.isBlank() && resource.length() <= 100,
                    () -> "resource must be 1 to 100 characters and not blank, was " + resource.length() + " characters");
            // the longest lease name the budget makes (see ConnectionBudget)
            LeaseHandles.checkName("budget." + resource + "@member." + (MAX_REPLICAS - 1));
            this.resource = resource;
            this.connections = Check.between(connections, 1, MAX_CONNECTIONS, "connections");
        }

        /**
         * 1 to {@link #MAX_REPLICAS} (default 32): set it to at least your autoscaler's maximum.
         * A poll reads every slot in one call (etcd: one per 64 slots).
         */
        public Builder maxReplicas(int v) {
            this.maxReplicas = Check.between(v, 1, MAX_REPLICAS, "maxReplicas");
            return this;
        }

        /**
         * 100 ms to 1 h (default 5 s), and more than 3 poll intervals: how long a crashed or paused
         * replica's permits stay taken before the others may use them.
         */
        public Builder permitTtl(Duration v) {
            Check.between(v, Duration.ofMillis(100), Duration.ofHours(1), "permitTtl",
                    () -> "permitTtl must be between 100 ms and 1 h, was " + v);
            Check.valid(v, v.compareTo(pollInterval.multipliedBy(3)) > 0,
                    () -> "permitTtl must be more than 3 poll intervals (pollInterval is " + pollInterval + "), was " + v);
            this.permitTtl = v;
            return this;
        }

        /** 10 ms to 1 min (default 200 ms), and less than a third of the permit TTL. */
        public Builder pollInterval(Duration v) {
            Check.between(v, Duration.ofMillis(10), Duration.ofMinutes(1), "pollInterval",
                    () -> "pollInterval must be between 10 ms and 1 min, was " + v);
            Check.valid(v, v.multipliedBy(3).compareTo(permitTtl) < 0,
                    () -> "pollInterval must be less than a third of permitTtl (" + permitTtl + "), was " + v);
            this.pollInterval = v;
            return this;
        }

        /** The options. */
        public BudgetOptions build() {
            return new BudgetOptions(this);
        }
    }
}
