package dev.exstate.lease.spi;

import dev.exstate.guard.StateUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

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
        if (!answer(acquireCalls, () -> acquireAnswer, "lease.acquire")) {
            return OptionalLong.empty();
        }
        owners.add(owner);
        return OptionalLong.of(tokens.incrementAndGet());
    }

    @Override
    public OptionalLong claimTick(String name, String owner, long tick, Duration ttl) {
        if (!answer(claimCalls, () -> claimAnswer, "lease.claimTick")) {
            return OptionalLong.empty();
        }
        owners.add(owner);
        claims.add(name + "#" + tick + "/" + ttl.toMillis() + "ms");
        return OptionalLong.of(tokens.incrementAndGet());
    }

    @Override
    public boolean renew(String name, String owner, long token, Duration ttl) {
        return answer(renewCalls, () -> renewAnswer, "lease.renew");
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

    /** Counts the call, lets {@link #inFlight} run, then answers as scripted at that moment: true, false, or unavailable. */
    private boolean answer(AtomicInteger calls, Supplier<Answer> scripted, String op) {
        calls.incrementAndGet();
        inFlight.run();
        return switch (scripted.get()) {
            case YES -> true;
            case NO -> false;
            case UNAVAILABLE -> throw unavailable(op);
        };
    }

    private static StateUnavailableException unavailable(String op) {
        return new StateUnavailableException("scripted", op, Duration.ZERO, "connection refused (scripted)", null);
    }
}
