package dev.exstate.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.health.BackendHealth;
import dev.exstate.time.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link Guard#backendReachable()}: recovery driven by the provider's connection, not by the open wait. */
@DisplayName("Guard told the backend is reachable again")
class GuardBackendReachableTest {

    private static final Operation WRITE = Operation.nonIdempotent("session.save");

    private final ManualClock clock = new ManualClock();
    private final List<Guard> guards = new ArrayList<>();

    @AfterEach
    void tearDown() {
        guards.forEach(Guard::close);
    }

    private Guard openGuard(AtomicInteger bodyCalls) {
        Guard g = Guard.builder("redis").clock(clock).policy(GuardPolicy.builder()
                .timeout(Duration.ofSeconds(5)).totalTimeout(Duration.ofSeconds(5))
                .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
                .waitInOpenState(Duration.ofMinutes(10)).permittedCallsInHalfOpenState(2)
                .build()).build();
        guards.add(g);
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> g.call(WRITE, () -> {
                bodyCalls.incrementAndGet();
                throw new IOException("Currently not connected");
            })).isInstanceOf(StateUnavailableException.class);
        }
        assertThat(g.stats().breakerState()).isEqualTo("OPEN");
        return g;
    }

    @Test
    @DisplayName("an open breaker lets probes through at once, long before its open wait is over, and closes when they succeed")
    void openBreakerProbesAtOnce() {
        AtomicInteger bodyCalls = new AtomicInteger();
        Guard g = openGuard(bodyCalls);
        assertThatThrownBy(() -> g.call(WRITE, bodyCalls::incrementAndGet)).isInstanceOf(CircuitOpenException.class);
        assertThat(g.health().status()).isEqualTo(BackendHealth.Status.DOWN);

        g.backendReachable();

        assertThat(g.stats().breakerState()).isEqualTo("HALF_OPEN");
        assertThat(g.health().status()).isEqualTo(BackendHealth.Status.DEGRADED);
        assertThat(g.call(WRITE, bodyCalls::incrementAndGet)).isEqualTo(5);
        assertThat(g.call(WRITE, bodyCalls::incrementAndGet)).isEqualTo(6);
        assertThat(g.stats().breakerState()).isEqualTo("CLOSED");
        assertThat(g.health().status()).isEqualTo(BackendHealth.Status.UP);
    }

    @Test
    @DisplayName("the breaker still protects: probes that fail open it again for a full wait")
    void failedProbesReopen() {
        AtomicInteger bodyCalls = new AtomicInteger();
        Guard g = openGuard(bodyCalls);

        g.backendReachable();
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> g.call(WRITE, () -> {
                throw new IOException("connection refused");
            })).isInstanceOf(StateUnavailableException.class);
        }

        assertThat(g.stats().breakerState()).isEqualTo("OPEN");
        assertThatThrownBy(() -> g.call(WRITE, bodyCalls::incrementAndGet)).isInstanceOf(CircuitOpenException.class);
        assertThat(bodyCalls.get()).isEqualTo(4);
    }

    @Test
    @DisplayName("does nothing to a closed or half-open breaker, nor after close")
    void noOpOtherwise() {
        AtomicInteger bodyCalls = new AtomicInteger();
        Guard closed = Guard.builder("redis").clock(clock).build();
        guards.add(closed);
        closed.backendReachable();
        assertThat(closed.stats().breakerState()).isEqualTo("CLOSED");

        Guard g = openGuard(bodyCalls);
        g.backendReachable();
        assertThat(g.call(WRITE, bodyCalls::incrementAndGet)).isEqualTo(5);
        g.backendReachable(); // must not restart half-open: one more success closes it
        assertThat(g.call(WRITE, bodyCalls::incrementAndGet)).isEqualTo(6);
        assertThat(g.stats().breakerState()).isEqualTo("CLOSED");

        Guard shut = openGuard(new AtomicInteger());
        shut.close();
        shut.backendReachable();
        assertThat(shut.stats().breakerState()).isEqualTo("OPEN");
    }
}
