package dev.exstate.redis.internal;

import dev.exstate.guard.BulkheadFullException;
import dev.exstate.guard.CircuitOpenException;
import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the guard's breaker recover as soon as Redis answers again, instead of after the rest of
 * its open wait. Not API.
 *
 * <p>Each time every connection is up again ({@link Tracking#onUp}: reconnected with tracking or
 * the subscription on again, or answering PING again after a pause), an OPEN breaker is moved to
 * HALF_OPEN ({@link Guard#backendReachable()}) and probed at once with as many PINGs through the
 * guard as it lets through, so readiness and writes come back within a round trip, with or
 * without traffic.
 *
 * <p>Failures that only say "not connected yet": a caller's request after the open wait can still
 * be a half-open probe while the client is disconnected, fail with "Currently not connected" and
 * re-open the breaker. That no longer costs a whole open wait, because the reconnect re-arms the
 * breaker whatever its remaining wait. A failure counted just after the reconnect (a request
 * rejected, or timed out, while still disconnected but recorded a moment later) is handled by
 * further rounds: if the breaker is OPEN again after a round in which no PING failed, or still
 * HALF_OPEN with all its probes taken by such requests, the round is repeated (at once, or after
 * one attempt timeout), at most {@link #MAX_ROUNDS} times. If a PING itself fails, Redis is not
 * well after all, and the breaker keeps its normal open wait.
 */
public final class BreakerRecovery {
    private static final Logger log = LoggerFactory.getLogger(BreakerRecovery.class);
    static final Operation PROBE = Operation.idempotent("connection.probe");
    static final int MAX_ROUNDS = 3;

    private final RedisConnector connector;
    private final Guard guard;

    private BreakerRecovery(RedisConnector connector, Guard guard) {
        this.connector = connector;
        this.guard = guard;
    }

    /** Starts driving {@code guard}'s recovery from {@code connector}'s connection events. */
    public static void watch(RedisConnector connector, Guard guard) {
        BreakerRecovery recovery = new BreakerRecovery(connector, guard);
        connector.tracking().onUp(() -> recovery.round(1));
    }

    private void round(int round) {
        if (connector.isClosed() || !connector.tracking().isUp()) {
            return;
        }
        guard.backendReachable();
        if ("CLOSED".equals(guard.stats().breakerState())) {
            return;
        }
        int probes = guard.policy().permittedCallsInHalfOpenState();
        AtomicBoolean pingFailed = new AtomicBoolean();
        AtomicInteger pongs = new AtomicInteger();
        List<CompletableFuture<?>> calls = new ArrayList<>(probes);
        for (int i = 0; i < probes; i++) {
            CompletableFuture<String> call;
            try {
                call = guard.callAsync(PROBE, () -> connector.commands().ping());
            } catch (RuntimeException e) {
                log.debug("redis: breaker probe not started: {}", e.toString());
                return;
            }
            calls.add(call.whenComplete((pong, error) -> {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause == null) {
                    pongs.incrementAndGet();
                } else if (!(cause instanceof CircuitOpenException) && !(cause instanceof BulkheadFullException)) {
                    pingFailed.set(true);
                }
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            String state = guard.stats().breakerState();
            log.debug("redis: connection back, breaker probe round {}: {} of {} PINGs answered{}; breaker {}",
                    round, pongs.get(), probes, pingFailed.get() ? ", one failed" : "", state);
            if (round >= MAX_ROUNDS || pingFailed.get()) {
                return;
            }
            if ("OPEN".equals(state)) {
                round(round + 1);
            } else if ("HALF_OPEN".equals(state) && pongs.get() == 0) {
                // every probe slot was taken by callers' requests: look again once they have settled
                try {
                    connector.tracking().scheduler().schedule(() -> round(round + 1),
                            guard.policy().timeout().toNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    log.debug("redis: client is shutting down; no further breaker probe round");
                }
            }
        });
    }
}
