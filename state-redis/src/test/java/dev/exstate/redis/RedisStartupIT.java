package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.session.Session;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The first connection to Redis: retried within the start-up timeout, refused credentials fail at once. */
@DisplayName("Redis start-up")
class RedisStartupIT {
    private static final SessionOptions SESSIONS = SessionOptions.builder()
            .maxInactiveInterval(Duration.ofMinutes(5)).touchInterval(Duration.ofMinutes(1)).build();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeAfter.add(c);
        return c;
    }

    private static RedisOptions.Builder options(String uri) {
        return RedisOptions.standalone(uri).appName("startup").guardPolicy(RedisTesting.PATIENT);
    }

    @Test
    @DisplayName("a replica that starts before Redis connects once Redis comes up, within the start-up timeout")
    void startsBeforeRedis() throws Exception {
        RedisServer redis = closing(RedisServer.builder().build());
        int reserved = redis.port();
        CompletableFuture<Void> startedLater = CompletableFuture.runAsync(() -> {
            sleep(Duration.ofSeconds(3));
            redis.start();
        });

        RedisState state = closing(RedisState.connect(options(redis.uri()).startupTimeout(Duration.ofSeconds(90)).build()));
        RedisSessionStore store = closing(state.sessionStore(SESSIONS));

        startedLater.get(60, TimeUnit.SECONDS);
        assertThat(redis.port()).as("redis-server took the reserved port").isEqualTo(reserved);
        Session s = store.create();
        s.putString("k", "v");
        store.save(s);
        assertThat(store.find(s.id()).orElseThrow().getString("k")).contains("v");
    }

    @Test
    @DisplayName("a Redis that never comes up fails the start after the start-up timeout, with the real elapsed time, the attempts and the last cause")
    void neverUpReportsElapsedTimeAndCause() {
        try (RedisServer stopped = RedisServer.builder().build()) {
            RedisOptions options = options(stopped.uri()).commandTimeout(Duration.ofMillis(500))
                    .startupTimeout(Duration.ofSeconds(2)).build();

            StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class,
                    () -> RedisState.connect(options).sessionStore(SESSIONS));

            assertThat(e.backend()).isEqualTo("redis");
            assertThat(e.operation()).isEqualTo("connect");
            // refused connections are retried after pauses of at least 50 ms, so time has passed
            assertThat(e.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
            assertThat(e.getMessage())
                    .startsWith("redis connect failed after " + e.elapsed().toMillis() + " ms: ")
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
            RedisOptions wrong = options(secured.uri()).password("wrong-staple-secret")
                    .startupTimeout(Duration.ofMinutes(5)).build();

            long start = System.nanoTime();
            StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> RedisState.connect(wrong).sessionStore(SESSIONS));

            assertThat(e.backend()).isEqualTo("redis");
            assertThat(e.operation()).isEqualTo("connect");
            assertThat(e.getMessage()).contains("WRONGPASS").contains("check the password of the default user");
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain("wrong-staple-secret");
            }
            // not retried until the 5 min start-up timeout: generous, and far below it
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
        }
    }

    @Test
    @DisplayName("no password for a server that requires one, or a user Redis does not know, fails at once as access denied")
    void missingPasswordAndUnknownUserFailFast() {
        try (RedisServer secured = RedisServer.builder().password("right-horse-battery").start()) {
            RedisOptions none = options(secured.uri()).startupTimeout(Duration.ofMinutes(5)).build();
            RedisOptions unknownUser = options(secured.uri()).credentials("nobody", "right-horse-battery")
                    .startupTimeout(Duration.ofMinutes(5)).build();

            StateAccessDeniedException noPassword = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> RedisState.connect(none).sessionStore(SESSIONS));
            StateAccessDeniedException noUser = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> RedisState.connect(unknownUser).leaseProvider());

            assertThat(noPassword.getMessage()).contains("NOAUTH").contains("check the password");
            assertThat(noUser.getMessage()).contains("WRONGPASS").contains("ACL user 'nobody'")
                    .doesNotContain("right-horse-battery");
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
