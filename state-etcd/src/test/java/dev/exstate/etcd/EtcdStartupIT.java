package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.exstate.config.ConfigValidator;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.lease.Lease;
import dev.exstate.testkit.backend.EtcdServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The first connection to etcd: retried within the start-up timeout; refused credentials fail at once. */
@DisplayName("etcd start-up")
class EtcdStartupIT {
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
        closeAfter.clear();
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeAfter.add(c);
        return c;
    }

    @Test
    @DisplayName("a replica that starts before etcd builds its config source and lease provider once etcd comes up")
    void startsBeforeEtcd() throws Exception {
        EtcdServer etcd = closing(EtcdServer.builder().build());
        int reserved = etcd.clientPort();
        CompletableFuture<Void> startedLater = CompletableFuture.runAsync(() -> {
            sleep(Duration.ofSeconds(3));
            etcd.start();
        });

        EtcdState state = closing(EtcdState.connect(EtcdTesting.options(etcd.endpoint()).startupTimeout(Duration.ofSeconds(90)).build()));
        EtcdConfigSource source = closing(state.configSource(ConfigValidator.acceptAll()));
        EtcdLeaseProvider leases = closing(state.leaseProvider());

        startedLater.get(60, TimeUnit.SECONDS);
        assertThat(etcd.clientPort()).as("etcd took the reserved port").isEqualTo(reserved);
        assertThat(source.isLoaded()).isTrue();
        assertThat(source.current().revision()).as("read from etcd, not defaults").isPositive();
        Lease lease = leases.tryAcquire("report", Duration.ofSeconds(30)).orElseThrow();
        assertThat(lease.isValid()).isTrue();
    }

    @Test
    @DisplayName("an etcd that never comes up fails the start after the start-up timeout, with the real elapsed time, the attempts and the last cause")
    void neverUpReportsElapsedTimeAndCause() {
        try (EtcdServer stopped = EtcdServer.builder().build()) {
            EtcdState state = closing(EtcdState.connect(EtcdTesting.options(stopped.endpoint())
                    .connectTimeout(Duration.ofMillis(500)).startupTimeout(Duration.ofSeconds(2)).build()));

            StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class, state::leaseProvider);

            assertThat(e.backend()).isEqualTo("etcd");
            assertThat(e.operation()).isEqualTo("connect");
            // refused connections are retried after pauses of at least 50 ms, so time has passed
            assertThat(e.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
            assertThat(e.getMessage())
                    .startsWith("etcd connect failed after " + e.elapsed().toMillis() + " ms: ")
                    .contains("could not connect to [" + stopped.endpoint() + "] within startupTimeout 2000 ms")
                    .containsPattern("\\(\\d+ attempts?; last: ")
                    .contains("check that etcd runs there");
        }
    }

    /** One etcd with authentication on: user svc may use /exstate/shop/ only. */
    @Nested
    @DisplayName("with authentication")
    class WithAuthentication {
        private static EtcdServer secured;

        @BeforeAll
        static void startSecured() {
            secured = EtcdServer.builder().name("secured").start();
            secured.addUser("svc", "svc-pw", "/exstate/shop/");
            secured.enableAuth("root-pw");
        }

        @AfterAll
        static void stopSecured() {
            if (secured != null) {
                secured.close();
            }
        }

        private EtcdOptions.Builder options() {
            // a long start-up timeout: a refusal must not wait it out
            return EtcdTesting.options(secured.endpoint()).appName("shop").startupTimeout(Duration.ofMinutes(5));
        }

        @Test
        @DisplayName("the right password works")
        void rightPasswordWorks() {
            EtcdState state = closing(EtcdState.connect(options().credentials("svc", "svc-pw").build()));
            EtcdConfigSource source = closing(state.configSource(ConfigValidator.acceptAll()));

            assertThat(source.isLoaded()).isTrue();
            assertThat(closing(state.leaseProvider()).tryAcquire("report", Duration.ofSeconds(30))).isPresent();
        }

        @Test
        @DisplayName("a wrong password fails config source, lease provider and admin at once with StateAccessDeniedException, never counted as an outage")
        void wrongPasswordFailsFast() {
            EtcdState state = closing(EtcdState.connect(options().credentials("svc", "not-the-password").build()));

            long start = System.nanoTime();
            StateAccessDeniedException config = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> state.configSource(ConfigValidator.acceptAll()));
            StateAccessDeniedException leases = catchThrowableOfType(StateAccessDeniedException.class, state::leaseProvider);
            StateAccessDeniedException admin = catchThrowableOfType(StateAccessDeniedException.class, state::admin);

            for (StateAccessDeniedException e : List.of(config, leases, admin)) {
                assertThat(e.backend()).isEqualTo("etcd");
                assertThat(e.getMessage()).contains("authentication failed").contains("check the user and password");
                for (Throwable t = e; t != null; t = t.getCause()) {
                    assertThat(String.valueOf(t.getMessage())).doesNotContain("not-the-password");
                }
            }
            assertThat(config.getMessage()).contains("/exstate/shop/config/");
            assertThat(leases.getMessage()).contains("/exstate/shop/lease/");
            assertThat(state.guard().stats().failures()).as("failures counted by the breaker").isZero();
            assertThat(state.guard().stats().breakerState()).isEqualTo("CLOSED");
            // not retried until the 5 min start-up timeout: generous, and far below it
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
        }

        @Test
        @DisplayName("no credentials for an etcd that requires them fails at once, saying to set them")
        void missingCredentialsFailFast() {
            EtcdState state = closing(EtcdState.connect(options().build()));

            StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> state.configSource(ConfigValidator.acceptAll()));

            assertThat(e.getMessage()).contains("user name is empty").contains("set EtcdOptions.credentials");
        }

        @Test
        @DisplayName("a user without permission on the app's prefix fails at once, naming the prefix")
        void missingPermissionFailsFast() {
            EtcdState state = closing(EtcdState.connect(options().appName("billing").credentials("svc", "svc-pw").build()));

            StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> state.configSource(ConfigValidator.acceptAll()));

            assertThat(e.getMessage()).contains("permission denied")
                    .contains("the user 'svc' has no permission on /exstate/billing/config/");
            assertThat(state.guard().stats().failures()).isZero();
        }
    }

    @Test
    @DisplayName("credentials sent to an etcd without authentication fail at once, saying so")
    void credentialsWithoutAuthenticationFailFast() {
        try (EtcdServer open = EtcdServer.builder().start()) {
            EtcdState state = closing(EtcdState.connect(EtcdTesting.options(open.endpoint()).credentials("svc", "svc-pw")
                    .startupTimeout(Duration.ofMinutes(5)).build()));

            StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class, state::leaseProvider);

            assertThat(e.getMessage()).contains("authentication is not enabled").contains("remove them from EtcdOptions");
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
