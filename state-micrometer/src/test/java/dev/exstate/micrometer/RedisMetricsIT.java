package dev.exstate.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.exstate.guard.CircuitOpenException;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisState;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.backend.RedisServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The meters of a Redis-backed runtime while the real redis-server is paused (SIGSTOP) and
 * resumed: what an operator's dashboard shows during an outage.
 */
@DisplayName("ExstateMetrics on a Redis-backed runtime")
class RedisMetricsIT {
    private static final Logger log = LoggerFactory.getLogger(RedisMetricsIT.class);
    /**
     * Short deadlines so the outage shows quickly; a small window, so the breaker opens after a
     * few failed calls.
     */
    private static final GuardPolicy POLICY = GuardPolicy.builder()
            .timeout(Duration.ofMillis(300))
            .totalTimeout(Duration.ofMillis(700))
            .slidingWindowSize(6)
            .minimumNumberOfCalls(6)
            .failureRateThreshold(50)
            .waitInOpenState(Duration.ofSeconds(1))
            .permittedCallsInHalfOpenState(2)
            .maxStaleness(Duration.ofSeconds(60))
            .build();
    /** Bound on waits for another process or thread; never a speed assertion. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private RedisServer redis;
    private RedisState state;
    private StateRuntime runtime;
    private final MeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() {
        redis = RedisServer.builder().start();
        String app = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        state = RedisState.connect(RedisOptions.standalone(redis.uri()).appName(app).guardPolicy(POLICY)
                .heartbeatInterval(Duration.ofMillis(200)).commandTimeout(Duration.ofSeconds(1)).build());
        runtime = StateRuntime.builder(app)
                .sessions(state.sessions(SessionOptions.builder().maxInactiveInterval(Duration.ofMinutes(5))
                        .touchInterval(Duration.ofMinutes(1)).build()))
                .build();
        new ExstateMetrics(runtime).bindTo(registry);
    }

    @AfterEach
    void stop() {
        try {
            if (runtime != null) {
                runtime.close();
            }
            if (state != null) {
                state.close();
            }
        } finally {
            redis.close();
        }
    }

    private static ConditionFactory eventually() {
        return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20));
    }

    private double breaker(String state) {
        return registry.get("exstate.guard.breaker.state").tags("backend", "redis", "state", state).gauge().value();
    }

    private double gets(String result) {
        return registry.get("exstate.nearcache.gets").tags("cache", "sessions", "result", result).functionCounter().count();
    }

    /** Calls of any operation on Redis that ended with {@code outcome}. */
    private long calls(String outcome) {
        return registry.find("exstate.guard.calls").tags("backend", "redis", "outcome", outcome).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    private static boolean tryFind(SessionStore sessions, SessionId id) {
        try {
            sessions.find(id);
            return true;
        } catch (StateUnavailableException e) {
            return false;
        }
    }

    @Test
    @DisplayName("paused Redis: failed calls timed by outcome, stale serves counted, breaker gauge OPEN, refusals counted; resumed: CLOSED")
    void pausedAndResumed() {
        SessionStore sessions = runtime.sessions();
        Session session = sessions.create(init -> init.putString("user", "ada"));
        eventually().until(() -> sessions.find(session.id()).isPresent() && gets("hit") > 0);
        assertThat(calls("success")).isPositive();
        assertThat(breaker("closed")).isEqualTo(1);
        assertThat(registry.get("exstate.nearcache.verified").tag("cache", "sessions").gauge().value()).isEqualTo(1);

        redis.pause();
        try {
            // a session never cached reaches Redis: the call is timed with the outcome its exception says
            StateUnavailableException first = catchThrowableOfType(StateUnavailableException.class,
                    () -> sessions.find(SessionId.generate()));
            assertThat(first).isNotNull();
            String outcome = first instanceof StateTimeoutException ? "timeout"
                    : first instanceof CircuitOpenException ? "rejected" : "failure";
            assertThat(calls(outcome)).as("calls with outcome %s after %s", outcome, first.toString()).isPositive();
            if (first instanceof StateTimeoutException) {
                assertThat(registry.get("exstate.guard.timeouts").tag("backend", "redis").functionCounter().count())
                        .isPositive();
            }
            // the cached session is served stale once the near cache stops trusting the silent channel
            eventually().until(() -> sessions.find(session.id()).isPresent() && gets("stale") > 0);
            assertThat(calls("fallback")).isPositive();
            assertThat(registry.get("exstate.nearcache.verified").tag("cache", "sessions").gauge().value()).isZero();
            // more reads of sessions never cached open the breaker
            eventually().until(() -> {
                tryFind(sessions, SessionId.generate());
                return breaker("open") == 1;
            });
            assertThat(breaker("closed")).isZero();

            eventually().until(() -> {
                try {
                    sessions.find(SessionId.generate());
                } catch (CircuitOpenException e) {
                    return true;
                } catch (StateUnavailableException e) {
                    return false; // a probe let through while half-open
                }
                return false;
            });
            assertThat(registry.get("exstate.guard.rejections").tags("backend", "redis", "reason", "circuit_open")
                    .counter().count()).isPositive();
            assertThat(calls("rejected")).isPositive();
            log.info("while paused: calls ending in timeout {}, failure {}, fallback {}, rejected {}; attempts timed out {}; "
                            + "stale gets {}", calls("timeout"), calls("failure"), calls("fallback"), calls("rejected"),
                    registry.get("exstate.guard.timeouts").tag("backend", "redis").functionCounter().count(), gets("stale"));
        } finally {
            redis.resume();
        }

        // probes close the breaker once Redis answers again
        eventually().until(() -> tryFind(sessions, SessionId.generate()) && breaker("closed") == 1);
        assertThat(breaker("open") + breaker("half_open")).isZero();
        assertThat(sessions.find(session.id())).isPresent();
    }
}
