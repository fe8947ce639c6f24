package dev.exstate.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HealthTest {
    private final Health health = new Health();

    @Test
    @DisplayName("liveness is UP and never asks an indicator, even when a backend is DOWN")
    void livenessIgnoresBackends() {
        AtomicInteger asked = new AtomicInteger();
        health.register(() -> {
            asked.incrementAndGet();
            return BackendHealth.down("redis", "circuit breaker OPEN");
        });

        HealthReport live = health.liveness();

        assertThat(live.up()).isTrue();
        assertThat(live.reasons()).isEmpty();
        assertThat(asked).hasValue(0);
    }

    @Test
    @DisplayName("readiness is UP when every component is UP or DEGRADED, and lists them in order")
    void readyWhenNothingIsDown() {
        health.register(() -> BackendHealth.up("redis", "breaker CLOSED"));
        health.register(() -> BackendHealth.degraded("etcd", "breaker HALF_OPEN"));

        HealthReport ready = health.readiness();

        assertThat(ready.up()).isTrue();
        assertThat(ready.reasons()).isEmpty();
        assertThat(ready.components()).extracting(BackendHealth::component).containsExactly("redis", "etcd");
    }

    @Test
    void readyWithoutIndicators() {
        assertThat(health.readiness().up()).isTrue();
    }

    @Test
    @DisplayName("one DOWN component makes the replica not ready, and the reason names it")
    void downComponentMeansNotReady() {
        health.register(() -> BackendHealth.up("s3", ""));
        health.register(() -> BackendHealth.down("redis", "circuit breaker OPEN since 10:00"));

        HealthReport ready = health.readiness();

        assertThat(ready.up()).isFalse();
        assertThat(ready.reasons()).containsExactly("redis: circuit breaker OPEN since 10:00");
        assertThat(ready.components()).hasSize(2);
    }

    @Test
    @DisplayName("readiness follows the indicators: it turns UP again when the backend recovers")
    void readinessFollowsIndicators() {
        AtomicReference<BackendHealth> redis = new AtomicReference<>(BackendHealth.down("redis", "OPEN"));
        health.register(redis::get);
        assertThat(health.readiness().up()).isFalse();

        redis.set(BackendHealth.up("redis", "CLOSED"));

        assertThat(health.readiness().up()).isTrue();
    }

    @Test
    @DisplayName("an indicator that throws counts as DOWN, with the exception class as detail")
    void throwingIndicatorIsDown() {
        health.register(new HealthIndicator() {
            @Override
            public BackendHealth health() {
                throw new IllegalStateException("oops, secret=abc");
            }

            @Override
            public String toString() {
                return "broken";
            }
        });
        health.register(() -> BackendHealth.up("redis", ""));

        HealthReport ready = health.readiness();

        assertThat(ready.up()).isFalse();
        assertThat(ready.components().get(0))
                .isEqualTo(BackendHealth.down("broken", "health() threw java.lang.IllegalStateException"));
        assertThat(ready.components().get(1).status()).isEqualTo(BackendHealth.Status.UP);
        assertThat(String.join(" ", ready.reasons())).doesNotContain("secret");
    }

    @Test
    @DisplayName("draining makes the replica not ready but still alive")
    void drainingIsNotReadyButAlive() {
        health.register(() -> BackendHealth.up("redis", ""));

        health.startDraining();

        assertThat(health.readiness().up()).isFalse();
        assertThat(health.readiness().reasons()).containsExactly("draining: shutting down");
        assertThat(health.liveness().up()).isTrue();
    }

    @Test
    void stoppedIsNeitherReadyNorAlive() {
        health.startDraining();
        health.markStopped();

        assertThat(health.liveness().up()).isFalse();
        assertThat(health.liveness().reasons()).isNotEmpty();
        assertThat(health.readiness().up()).isFalse();
    }

    @Test
    void reportsAreImmutable() {
        health.register(() -> BackendHealth.up("redis", ""));
        HealthReport report = health.readiness();

        assertThat(report.components()).isUnmodifiable();
        assertThat(report.reasons()).isEqualTo(List.of());
    }
}
