package dev.exstate.redis.internal;

import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.redis.RedisDurability;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The writes of one capability (sessions or leases) with its {@link RedisDurability}: every write
 * site calls {@link #await} with its commands as a function of the connection to use. With
 * {@link RedisDurability#async()} that is exactly {@code guard.await(op, () -> body(shared
 * connection))}; otherwise the write goes through {@link DurableWrites} and counts as done only
 * once enough replicas confirmed it. Not API.
 */
public final class Writes {
    /** For writes whose reply does not say whether they changed anything: assume they did. */
    private static final Predicate<Object> ALWAYS = v -> true;
    /** Part of the attempt's time the WAIT may take, so its answer arrives before the guard gives up. */
    private static final double WAIT_SHARE = 0.8;

    private final RedisConnector connector;
    private final Guard guard;
    private final String capability;
    private final int replicas;
    private final DurableWrites pool;

    Writes(RedisConnector connector, Guard guard, String capability, RedisDurability durability, DurableWrites pool) {
        this.connector = connector;
        this.guard = guard;
        this.capability = capability;
        this.replicas = durability.replicaCount();
        this.pool = pool;
    }

    /** True if writes wait for replicas. */
    public boolean waitsForReplicas() {
        return replicas > 0;
    }

    /** A write that always changes something. See {@link #await(Operation, Guard.Deadline, String, Function, Predicate)}. */
    public <T> T await(Operation op, String key, Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> body) {
        return await(op, null, key, body, ALWAYS);
    }

    /** See {@link #await(Operation, Guard.Deadline, String, Function, Predicate)}, with the policy's total timeout. */
    public <T> T await(Operation op, String key, Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> body,
                       Predicate<? super T> changed) {
        return await(op, null, key, body, changed);
    }

    /**
     * Runs the write {@code body} under the guard, within {@code deadline} ({@code null}: the
     * policy's total timeout). {@code key} is the key it writes (it routes the write in a
     * cluster); {@code changed} tells from its reply whether it changed anything: a write that
     * changed nothing (refused, not found, a lost compare-and-set) is returned as it is, however
     * many replicas confirmed.
     *
     * @throws StateTimeoutException if the write changed something but fewer replicas than the
     *                               durability asks for confirmed it in time: the outcome is unknown
     */
    public <T> T await(Operation op, Guard.Deadline deadline, String key,
                       Function<RedisClusterAsyncCommands<String, byte[]>, CompletionStage<T>> body,
                       Predicate<? super T> changed) {
        if (replicas == 0) {
            if (deadline == null) {
                return guard.await(op, () -> body.apply(connector.commands()));
            }
            return guard.await(op, deadline, () -> body.apply(connector.commands()));
        }
        Guard.Deadline d = deadline != null ? deadline : guard.deadline();
        DurableWrites.Slot slot = pool.borrow(guard.backend(), op.name(), d.remaining());
        try {
            DurableWrites.Acked<T> acked = guard.await(op, d, () -> slot.write(key, replicas, waitMillis(d), body));
            if (acked.replicas() < replicas && changed.test(acked.value())) {
                throw new StateTimeoutException(guard.backend(), op.name(), d.total().minus(d.remaining()),
                        "the master applied the write, but only " + acked.replicas() + " of the " + replicas
                                + " replica(s) that " + capability + " durability asks for confirmed it (WAIT) within the "
                                + "call's deadline, so the outcome is unknown: the write may or may not survive a failover. "
                                + "Read it back before relying on it, or retry if the operation allows; check that enough "
                                + "replicas are connected to the master (INFO replication)", null);
            }
            return acked.value();
        } finally {
            slot.release();
        }
    }

    /** What the WAIT of one attempt may take: a share of what the attempt has, at least 1 ms (0 would wait forever). */
    private long waitMillis(Guard.Deadline d) {
        Duration attempt = d.remaining().compareTo(guard.policy().timeout()) < 0 ? d.remaining() : guard.policy().timeout();
        return Math.max(1, (long) (attempt.toMillis() * WAIT_SHARE));
    }
}
