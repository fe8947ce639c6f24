package dev.exstate.redis.internal;

import dev.exstate.guard.BulkheadFullException;
import dev.exstate.guard.CircuitOpenException;
import dev.exstate.guard.Guard;
import dev.exstate.guard.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets the guard's breaker recover as soon as Redis answers again, instead of after the rest of
 * its open wait. Not API.
 *
 * <p>Each time every connection is up again ({@link Tracking#onUp}: reconnected with tracking or
 * the subscription re-established, or answering PING again after a pause), an OPEN breaker is
 * moved to HALF_OPEN ({@link Guard#backendReachable()}) and probed at once with as many PINGs
 * through the guard as it permits, so readiness and writes come back within a round trip even
 * without traffic. Half-open probes therefore never run while the client is known to be
 * disconnected, except those a caller's own request triggers after the open wait; a failure
 * such a probe records ("Currently not connected") can re-open the breaker only until the
 * connection is back. One recorded just after it (a request rejected while still disconnected
 * but counted a moment later) is undone too: if the breaker is OPEN again after a round in which
 * no PING failed, another round runs, at most {@link #MAX_ROUNDS}. If a PING itself fails, Redis
 * is not well after all and the breaker keeps its normal open wait.
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
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause != null && !(cause instanceof CircuitOpenException) && !(cause instanceof BulkheadFullException)) {
                    pingFailed.set(true);
                }
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            String state = guard.stats().breakerState();
            log.debug("redis: connection back, breaker probe round {} done: breaker {}{}", round, state,
                    pingFailed.get() ? ", a PING failed" : "");
            if ("OPEN".equals(state) && !pingFailed.get() && round < MAX_ROUNDS) {
                round(round + 1);
            }
        });
    }
}
