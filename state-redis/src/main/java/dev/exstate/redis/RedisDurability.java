package dev.exstate.redis;

import java.util.Objects;

/**
 * When a write counts as done: once the Redis master has applied it ({@link #async()}, the
 * default), or once the master and {@code n} of its replicas have it ({@link #replicas(int)}).
 * Set per capability with {@link RedisOptions.Builder#sessionDurability} and
 * {@link RedisOptions.Builder#leaseDurability}. Immutable and thread-safe.
 *
 * <p>Redis replicates asynchronously: a write the master acknowledged is lost if the master dies
 * before its replicas received it and a replica is promoted (Sentinel or Cluster failover).
 *
 * <ul>
 *   <li>{@link #async()}: a write returns as soon as the master applied it. Fastest; a failover
 *       may lose the writes of the last moments before the master died (on a fast network
 *       usually none, but nothing promises it).</li>
 *   <li>{@link #replicas(int) replicas(n)}: after the write the master is asked {@code WAIT n
 *       <time left>} on the same connection (one round trip, over a small pool of dedicated
 *       connections, see {@link RedisOptions#durableConnections()}); the call returns only once
 *       {@code n} replicas confirmed they hold the write. If fewer confirm within the call's
 *       deadline (the guard's total timeout), the call throws
 *       {@link dev.exstate.guard.StateTimeoutException}: the master applied the write, but whether
 *       it survives a failover is unknown. A write acknowledged this way survives the failover to
 *       any replica that confirmed it; Sentinel and Cluster promote the most up-to-date replica
 *       they can reach, so with {@code n} equal to the number of replicas it survives the
 *       failover to any of them. Costs one replication round trip per write, and writes fail
 *       (outcome unknown) while fewer than {@code n} replicas are connected.</li>
 * </ul>
 * Redis 7.2 adds {@code WAITAOF} (the write is on disk on the replicas); exstate uses {@code WAIT}
 * (in memory on the replicas), which every supported version has.
 */
public final class RedisDurability {
    /** Most replicas a write may wait for. */
    public static final int MAX_REPLICAS = 16;
    private static final RedisDurability ASYNC = new RedisDurability(0);

    private final int replicas;

    private RedisDurability(int replicas) {
        this.replicas = replicas;
    }

    /** Acknowledged once the master applied the write (the default). */
    public static RedisDurability async() {
        return ASYNC;
    }

    /**
     * Acknowledged once the master and {@code n} replicas hold the write.
     *
     * @throws IllegalArgumentException unless {@code 1 <= n <= }{@link #MAX_REPLICAS}
     */
    public static RedisDurability replicas(int n) {
        if (n < 1 || n > MAX_REPLICAS) {
            throw new IllegalArgumentException("replicas must be between 1 and " + MAX_REPLICAS + ", was " + n
                    + " (use RedisDurability.async() for no wait)");
        }
        return new RedisDurability(n);
    }

    /** Replicas a write waits for; 0 for {@link #async()}. */
    public int replicaCount() {
        return replicas;
    }

    /** True unless this is {@link #async()}. */
    public boolean waitsForReplicas() {
        return replicas > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedisDurability d && d.replicas == replicas;
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(replicas);
    }

    @Override
    public String toString() {
        return replicas == 0 ? "async" : "replicas(" + replicas + ")";
    }
}
