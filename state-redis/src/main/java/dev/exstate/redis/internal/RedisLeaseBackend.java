package dev.exstate.redis.internal;

import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import dev.exstate.lease.spi.LeaseBackend;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Leases on Redis: a string key {@code <owner>:<token>} with a TTL, the token from an
 * {@code INCR} counter under the same hash tag; a tick claim also checks and advances the job's
 * last-claimed-tick key (same hash tag) in the same script. Each method is one guarded Lua
 * script, except {@link #held}, one {@code MGET}. Not API.
 */
public final class RedisLeaseBackend implements LeaseBackend {
    // idempotent: the script returns the same token if this owner already holds the lease, so a
    // retry after a lost reply neither fails nor leaks the lease nor skips a token
    static final Operation ACQUIRE = Operation.idempotent("lease.acquire");
    static final Operation RENEW = Operation.idempotent("lease.renew");
    static final Operation RELEASE = Operation.idempotent("lease.release");
    // idempotent like acquire: a retry by the same owner gets the token its first attempt took
    static final Operation CLAIM_TICK = Operation.idempotent("lease.claimTick");
    static final Operation HELD = Operation.read("lease.held");
    /** Keys per MGET: a bound on one reply's size. */
    private static final int HELD_BATCH = 1_000;

    private final RedisConnector connector;
    private final RedisKeys keys;
    private final Guard guard;
    private final Runnable onClose;
    private final Writes writes;

    public RedisLeaseBackend(RedisConnector connector, RedisKeys keys, Guard guard, Runnable onClose) {
        this.connector = connector;
        this.keys = keys;
        this.guard = guard;
        this.onClose = onClose;
        this.writes = connector.writes("lease", connector.options().leaseDurability(), guard);
    }

    @Override
    public OptionalLong acquire(String name, String owner, Duration ttl) {
        String[] k = {keys.lease(name), keys.leaseToken(name)};
        byte[] ownerBytes = owner.getBytes(StandardCharsets.UTF_8);
        byte[] ttlMs = ttlMillis(ttl);
        Long token = writes.await(ACQUIRE, k[0], c -> Scripts.LEASE_ACQUIRE.<Long>run(c, ScriptOutputType.INTEGER,
                k, ownerBytes, ttlMs), t -> t >= 0);
        return token < 0 ? OptionalLong.empty() : OptionalLong.of(token);
    }

    @Override
    public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
        String[] k = {keys.lease(name), keys.leaseToken(name), keys.leaseTick(name)};
        byte[] ownerBytes = owner.getBytes(StandardCharsets.UTF_8);
        byte[] ttlMs = ttlMillis(ttl);
        byte[] tickBytes = Long.toString(tick).getBytes(StandardCharsets.US_ASCII);
        Long token = writes.await(CLAIM_TICK, k[0], c -> Scripts.LEASE_CLAIM_TICK.<Long>run(c,
                ScriptOutputType.INTEGER, k, ownerBytes, ttlMs, tickBytes), t -> t >= 0);
        return token < 0 ? OptionalLong.empty() : OptionalLong.of(token);
    }

    @Override
    public boolean renew(String name, String owner, long token, Duration ttl) {
        String[] k = {keys.lease(name)};
        byte[] holder = holder(owner, token);
        byte[] ttlMs = ttlMillis(ttl);
        Long renewed = writes.await(RENEW, k[0], c -> Scripts.LEASE_RENEW.<Long>run(c, ScriptOutputType.INTEGER,
                k, holder, ttlMs), r -> r == 1);
        return renewed == 1;
    }

    @Override
    public void release(String name, String owner, long token) {
        String[] k = {keys.lease(name)};
        byte[] holder = holder(owner, token);
        writes.await(RELEASE, k[0], c -> Scripts.LEASE_RELEASE.<Long>run(c, ScriptOutputType.INTEGER, k, holder), r -> r == 1);
    }

    /** One {@code MGET} of the lease keys per {@value #HELD_BATCH} names (on a cluster, Lettuce splits it by slot). */
    @Override
    public Set<String> held(List<String> names) {
        Set<String> held = new HashSet<>();
        for (int from = 0; from < names.size(); from += HELD_BATCH) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + HELD_BATCH));
            String[] k = batch.stream().map(keys::lease).toArray(String[]::new);
            List<KeyValue<String, byte[]>> values = guard.await(HELD,
                    () -> RedisErrors.mapped(HELD.name(), connector.commands().mget(k)));
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i).hasValue()) {
                    held.add(batch.get(i));
                }
            }
        }
        return held;
    }

    @Override
    public String backendName() {
        return guard.backend();
    }

    @Override
    public void close() {
        onClose.run();
    }

    private static byte[] holder(String owner, long token) {
        return (owner + ":" + token).getBytes(StandardCharsets.UTF_8);
    }

    /** Rounded up: Redis must keep the lease at least as long as the holder believes it holds it. */
    private static byte[] ttlMillis(Duration ttl) {
        long ms = ttl.toMillis() + (ttl.minusMillis(ttl.toMillis()).isZero() ? 0 : 1);
        return Long.toString(Math.max(1, ms)).getBytes(StandardCharsets.US_ASCII);
    }
}
