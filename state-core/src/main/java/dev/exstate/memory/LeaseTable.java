package dev.exstate.memory;

import dev.exstate.time.StateClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Shared lease data of an {@link InMemoryBackend}: name to (owner, token, expiry by the
 * {@link StateClock}). Thread-safe; every method is one atomic step, like one Redis script.
 *
 * <p>Fencing tokens come from one counter for all names, never reset: tokens per name therefore
 * strictly increase even after expiry or release (and across names too), while the holder map
 * stays bounded by the leases alive now, not by every name ever leased. The last claimed tick of
 * each name ({@link #claimTick}) is kept for the table's life, like a Redis token counter: one
 * entry per scheduled job name.
 */
final class LeaseTable {
    // expired holders are also dropped on access; the sweep bounds names nobody touches again
    private static final int SWEEP_EVERY = 1024;
    private static final long MAX_TTL_NANOS = Long.MAX_VALUE / 4;

    private record Holder(String owner, long token, long expiresAt) {
    }

    private final StateClock clock;
    private final Map<String, Holder> holders = new HashMap<>();
    private final Map<String, Long> lastTicks = new HashMap<>();
    private long lastToken;
    private int opsSinceSweep;

    LeaseTable(StateClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Takes {@code name} for {@code owner} if free or expired; the new token, or empty if held. */
    synchronized OptionalLong acquire(String name, String owner, Duration ttl) {
        long now = clock.nanoTime();
        sweepSometimes(now);
        Holder current = holders.get(name);
        if (current != null && !expired(current, now)) {
            return OptionalLong.empty();
        }
        long token = ++lastToken;
        holders.put(name, new Holder(owner, token, now + nanos(ttl)));
        return OptionalLong.of(token);
    }

    /**
     * Takes {@code name} for {@code owner} to run {@code tick}, if free (or expired) and no tick
     * {@code >= tick} was claimed before; records the tick. If {@code owner} already holds it, its
     * token (an idempotent retry). Empty otherwise, with nothing changed.
     */
    synchronized OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
        long now = clock.nanoTime();
        sweepSometimes(now);
        Holder current = holders.get(name);
        if (current != null && !expired(current, now)) {
            return current.owner().equals(owner) ? OptionalLong.of(current.token()) : OptionalLong.empty();
        }
        Long last = lastTicks.get(name);
        if (last != null && last >= tick) {
            return OptionalLong.empty();
        }
        lastTicks.put(name, tick);
        long token = ++lastToken;
        holders.put(name, new Holder(owner, token, now + nanos(ttl)));
        return OptionalLong.of(token);
    }

    /** Extends the lease to {@code ttl} from now if {@code owner} holds it and it has not expired. */
    synchronized boolean renew(String name, String owner, long token, Duration ttl) {
        long now = clock.nanoTime();
        Holder current = holders.get(name);
        if (current == null || !current.owner().equals(owner) || current.token() != token) {
            return false;
        }
        if (expired(current, now)) {
            holders.remove(name);
            return false;
        }
        holders.put(name, new Holder(owner, token, now + nanos(ttl)));
        return true;
    }

    /** Frees {@code name} if {@code owner} holds it; otherwise nothing happens. */
    synchronized void release(String name, String owner, long token) {
        Holder current = holders.get(name);
        if (current != null && current.owner().equals(owner) && current.token() == token) {
            holders.remove(name);
        }
    }

    /** The names among {@code names} with a live holder, in one atomic step. */
    synchronized Set<String> held(List<String> names) {
        long now = clock.nanoTime();
        Set<String> held = new HashSet<>();
        for (String name : names) {
            Holder current = holders.get(name);
            if (current != null && !expired(current, now)) {
                held.add(name);
            }
        }
        return held;
    }

    /** Token of the live holder of {@code name}, empty if free or expired (for tests that look inside). */
    synchronized OptionalLong holderToken(String name) {
        Holder current = holders.get(name);
        if (current == null || expired(current, clock.nanoTime())) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(current.token());
    }

    /** The last tick claimed for {@code name}, empty if none (for tests that look inside). */
    synchronized OptionalLong lastTick(String name) {
        Long last = lastTicks.get(name);
        return last == null ? OptionalLong.empty() : OptionalLong.of(last);
    }

    private void sweepSometimes(long now) {
        if (++opsSinceSweep >= SWEEP_EVERY) {
            opsSinceSweep = 0;
            holders.values().removeIf(h -> expired(h, now));
        }
    }

    private static boolean expired(Holder h, long now) {
        return now - h.expiresAt() >= 0;
    }

    private static long nanos(Duration ttl) {
        try {
            return Math.min(ttl.toNanos(), MAX_TTL_NANOS);
        } catch (ArithmeticException e) {
            return MAX_TTL_NANOS;
        }
    }
}
