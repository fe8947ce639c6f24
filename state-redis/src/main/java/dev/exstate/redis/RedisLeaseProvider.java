package dev.exstate.redis;

import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.spi.LeaseBackend;
import dev.exstate.lease.spi.LeaseManager;
import dev.exstate.time.StateClock;

/**
 * A {@link LeaseProvider} on Redis; get one from {@link RedisState}.
 *
 * <p>A lease is the key {@code <prefix>:<app>:lease:{<name>}} holding {@code <owner>:<token>}
 * with a TTL; the fencing token comes from an {@code INCR} counter that never expires, so tokens
 * of a name strictly increase for as long as Redis keeps its data (use AOF persistence if
 * fencing must survive a Redis restart). Acquire, renew and release are compare-and-set Lua
 * scripts; renewal runs in the background and a holder's {@link Lease#isValid()} turns false by
 * its local deadline, before Redis would let another replica take the lease. A tick claim
 * ({@link #tryClaimTick}) is one script that also checks and advances the name's last claimed
 * tick, kept in {@code <prefix>:<app>:lease-tick:{<name>}} (never expires; same persistence
 * caveat as the counter: a Redis that loses its data forgets which ticks ran).
 *
 * <p>Thread-safe. {@link #tryAcquire} and {@link #tryClaimTick} block for one guarded call and throws
 * {@link dev.exstate.guard.StateUnavailableException} when Redis cannot be asked.
 * {@link #close()} releases every lease still held and this provider's share of the connection.
 */
public final class RedisLeaseProvider extends LeaseManager {
    RedisLeaseProvider(LeaseBackend backend, StateClock clock) {
        super(backend, clock);
    }

    @Override
    public String toString() {
        return "RedisLeaseProvider";
    }
}
