package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.session.Session;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.contract.StartupChecks;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The first connection to Redis: retried within the start-up timeout, refused credentials fail at once. */
@DisplayName("Redis start-up")
class RedisStartupIT {
    @RegisterExtension
    static final RedisFixture<RedisServer> fixture = RedisFixture.serverPerTest("startup");

    @Test
    @DisplayName("a replica that starts before Redis connects once Redis comes up, within the start-up timeout")
    void startsBeforeRedis() throws Exception {
        RedisServer redis = fixture.closeAfter(RedisServer.builder().build());
        int reserved = redis.port();
        CompletableFuture<Void> startedLater = StartupChecks.startLater(Duration.ofSeconds(3), redis::start);

        RedisState state = fixture.state(fixture.options(redis.uri()).startupTimeout(Duration.ofSeconds(90)).build());
        RedisSessionStore store = fixture.sessions(state);

        startedLater.get(60, TimeUnit.SECONDS);
        assertThat(redis.port()).as("redis-server took the reserved port").isEqualTo(reserved);
        Session s = store.create(n -> n.putString("k", "v"));
        assertThat(store.find(s.id()).orElseThrow().getString("k")).contains("v");
    }

    @Test
    @DisplayName("a Redis that never comes up fails the start after the start-up timeout, with the real elapsed time, the attempts and the last cause")
    void neverUpReportsElapsedTimeAndCause() {
        try (RedisServer stopped = RedisServer.builder().build()) {
            RedisOptions options = fixture.options(stopped.uri()).commandTimeout(Duration.ofMillis(500))
                    .startupTimeout(Duration.ofSeconds(2)).build();

            StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class,
                    () -> RedisState.connect(options).sessionStore(RedisTesting.LONG_LIVED));

            StartupChecks.assertTimedOutConnecting(e, "redis");
            assertThat(e.getMessage())
                    .contains("could not connect to standalone [" + stopped.uri() + "] within startupTimeout 2000 ms")
                    .containsPattern("\\(\\d+ attempts; last: ")
                    .contains("Connection refused")
                    .contains("check that Redis runs there");
        }
    }

    @Test
    @DisplayName("a wrong password fails at once with StateAccessDeniedException saying to check the credentials, never showing them")
    void wrongPasswordFailsFast() {
        try (RedisServer secured = RedisServer.builder().password("right-horse-battery").start()) {
            RedisOptions wrong = fixture.options(secured.uri()).password("wrong-staple-secret")
                    .startupTimeout(Duration.ofMinutes(5)).build();

            long start = System.nanoTime();
            StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> RedisState.connect(wrong).sessionStore(RedisTesting.LONG_LIVED));

            assertThat(e.backend()).isEqualTo("redis");
            assertThat(e.operation()).isEqualTo("connect");
            assertThat(e.getMessage()).contains("WRONGPASS").contains("check the password of the default user");
            StartupChecks.assertShowsNoSecret(e, "wrong-staple-secret");
            // not retried until the 5 min start-up timeout: generous, and far below it
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
        }
    }

    @Test
    @DisplayName("no password for a server that requires one, or a user Redis does not know, fails at once as access denied")
    void missingPasswordAndUnknownUserFailFast() {
        try (RedisServer secured = RedisServer.builder().password("right-horse-battery").start()) {
            RedisOptions none = fixture.options(secured.uri()).startupTimeout(Duration.ofMinutes(5)).build();
            RedisOptions unknownUser = fixture.options(secured.uri()).credentials("nobody", "right-horse-battery")
                    .startupTimeout(Duration.ofMinutes(5)).build();

            StateAccessDeniedException noPassword = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> RedisState.connect(none).sessionStore(RedisTesting.LONG_LIVED));
            StateAccessDeniedException noUser = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> RedisState.connect(unknownUser).leaseProvider());

            assertThat(noPassword.getMessage()).contains("NOAUTH").contains("check the password");
            assertThat(noUser.getMessage()).contains("WRONGPASS").contains("ACL user 'nobody'")
                    .doesNotContain("right-horse-battery");
        }
    }
}
