package dev.exstate.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.exstate.config.ConfigValidator;
import dev.exstate.guard.StateAccessDeniedException;
import dev.exstate.guard.StateUnavailableException;
import dev.exstate.lease.Lease;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.contract.StartupChecks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The first connection to etcd: retried within the start-up timeout; refused credentials fail at once. */
@DisplayName("etcd start-up")
class EtcdStartupIT {
    @RegisterExtension
    static final EtcdFixture<EtcdServer> fixture = EtcdFixture.serverPerTest("startup");

    @Test
    @DisplayName("a replica that starts before etcd builds its config source and lease provider once etcd comes up")
    void startsBeforeEtcd() throws Exception {
        EtcdServer etcd = fixture.closeAfter(EtcdServer.builder().build());
        int reserved = etcd.clientPort();
        CompletableFuture<Void> startedLater = StartupChecks.startLater(Duration.ofSeconds(3), etcd::start);

        EtcdState state = fixture.state(fixture.options(etcd.endpoint()).startupTimeout(Duration.ofSeconds(90)));
        EtcdConfigSource source = fixture.closeAfter(state.configSource(ConfigValidator.acceptAll()));
        EtcdLeaseProvider leases = fixture.closeAfter(state.leaseProvider());

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
            EtcdState state = fixture.state(fixture.options(stopped.endpoint())
                    .connectTimeout(Duration.ofMillis(500)).startupTimeout(Duration.ofSeconds(2)));

            StateUnavailableException e = catchThrowableOfType(StateUnavailableException.class, state::leaseProvider);

            StartupChecks.assertTimedOutConnecting(e, "etcd");
            assertThat(e.getMessage())
                    .contains("could not connect to [" + stopped.endpoint() + "] within startupTimeout 2000 ms")
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
            EtcdState state = fixture.state(options().credentials("svc", "svc-pw"));
            EtcdConfigSource source = fixture.closeAfter(state.configSource(ConfigValidator.acceptAll()));

            assertThat(source.isLoaded()).isTrue();
            assertThat(fixture.closeAfter(state.leaseProvider()).tryAcquire("report", Duration.ofSeconds(30))).isPresent();
        }

        @Test
        @DisplayName("a wrong password fails config source, lease provider and admin at once with StateAccessDeniedException, never counted as an outage")
        void wrongPasswordFailsFast() {
            EtcdState state = fixture.state(options().credentials("svc", "not-the-password"));

            long start = System.nanoTime();
            StateAccessDeniedException config = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> state.configSource(ConfigValidator.acceptAll()));
            StateAccessDeniedException leases = catchThrowableOfType(StateAccessDeniedException.class, state::leaseProvider);
            StateAccessDeniedException admin = catchThrowableOfType(StateAccessDeniedException.class, state::admin);

            for (StateAccessDeniedException e : List.of(config, leases, admin)) {
                assertThat(e.backend()).isEqualTo("etcd");
                assertThat(e.getMessage()).contains("authentication failed").contains("check the user and password");
                StartupChecks.assertShowsNoSecret(e, "not-the-password");
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
            EtcdState state = fixture.state(options());

            StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class,
                    () -> state.configSource(ConfigValidator.acceptAll()));

            assertThat(e.getMessage()).contains("user name is empty").contains("set EtcdOptions.credentials");
        }

        @Test
        @DisplayName("a user without permission on the app's prefix fails at once, naming the prefix")
        void missingPermissionFailsFast() {
            EtcdState state = fixture.state(options().appName("billing").credentials("svc", "svc-pw"));

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
            EtcdState state = fixture.state(fixture.options(open.endpoint()).credentials("svc", "svc-pw")
                    .startupTimeout(Duration.ofMinutes(5)));

            StateAccessDeniedException e = catchThrowableOfType(StateAccessDeniedException.class, state::leaseProvider);

            assertThat(e.getMessage()).contains("authentication is not enabled").contains("remove them from EtcdOptions");
        }
    }
}
