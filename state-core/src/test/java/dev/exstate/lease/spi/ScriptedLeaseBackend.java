package dev.exstate.lease.spi;

import dev.exstate.guard.StateUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test double of the lease SPI (not of a real backend's protocol): answers as told, records the
 * calls, so that LeaseManager's own logic can be checked in isolation.
 */
final class ScriptedLeaseBackend implements LeaseBackend {
    enum Answer { YES, NO, UNAVAILABLE }

    final AtomicLong tokens = new AtomicLong();
    final List<String> owners = new CopyOnWriteArrayList<>();
    final List<String> released = new CopyOnWriteArrayList<>();
    final List<String> claims = new CopyOnWriteArrayList<>();
    final AtomicInteger acquireCalls = new AtomicInteger();
    final AtomicInteger claimCalls = new AtomicInteger();
    final AtomicInteger renewCalls = new AtomicInteger();
    final AtomicInteger releaseCalls = new AtomicInteger();
    volatile Answer acquireAnswer = Answer.YES;
    volatile Answer claimAnswer = Answer.YES;
    volatile Answer renewAnswer = Answer.YES;
    volatile Answer releaseAnswer = Answer.YES;
    /** Runs inside each call, e.g. to let the clock move while "the request is in flight". */
    volatile Runnable inFlight = () -> { };
    volatile boolean closed;

    @Override
    public OptionalLong acquire(String name, String owner, Duration ttl) {
        acquireCalls.incrementAndGet();
        inFlight.run();
        return switch (acquireAnswer) {
            case YES -> {
                owners.add(owner);
                yield OptionalLong.of(tokens.incrementAndGet());
            }
            case NO -> OptionalLong.empty();
            case UNAVAILABLE -> throw unavailable("lease.acquire");
        };
    }

    @Override
    public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
        claimCalls.incrementAndGet();
        inFlight.run();
        return switch (claimAnswer) {
            case YES -> {
                owners.add(owner);
                claims.add(name + "#" + tick + "/" + ttl.toMillis() + "ms");
                yield OptionalLong.of(tokens.incrementAndGet());
            }
            case NO -> OptionalLong.empty();
            case UNAVAILABLE -> throw unavailable("lease.claimTick");
        };
    }

    @Override
    public boolean renew(String name, String owner, long token, Duration ttl) {
        renewCalls.incrementAndGet();
        inFlight.run();
        return switch (renewAnswer) {
            case YES -> true;
            case NO -> false;
            case UNAVAILABLE -> throw unavailable("lease.renew");
        };
    }

    @Override
    public void release(String name, String owner, long token) {
        releaseCalls.incrementAndGet();
        if (releaseAnswer == Answer.UNAVAILABLE) {
            throw unavailable("lease.release");
        }
        released.add(name);
    }

    @Override
    public String backendName() {
        return "scripted";
    }

    @Override
    public void close() {
        closed = true;
    }

    private static StateUnavailableException unavailable(String op) {
        return new StateUnavailableException("scripted", op, Duration.ZERO, "connection refused (scripted)", null);
    }
}
