package dev.exstate.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lifecycle a {@link BackendFixture} gives a test class, driven through its JUnit callbacks. */
@DisplayName("BackendFixture")
class BackendFixtureTest {
    private final List<String> events = new ArrayList<>();

    private AutoCloseable named(String name) {
        return () -> events.add("closed " + name);
    }

    private AutoCloseable failing(String message) {
        return () -> {
            throw new IllegalStateException(message);
        };
    }

    @Test
    @DisplayName("starts the backend once for a class and its nested classes and closes it after the last")
    void backendSpansTheClassAndItsNestedClasses() throws Exception {
        BackendFixture<AutoCloseable> fixture = BackendFixture.of("t", () -> {
            events.add("started");
            return named("backend");
        });
        assertThatThrownBy(fixture::backend).isInstanceOf(IllegalStateException.class);

        fixture.beforeAll(null);
        AutoCloseable backend = fixture.backend();
        fixture.beforeAll(null); // a @Nested class
        fixture.afterAll(null);
        assertThat(fixture.backend()).isSameAs(backend);
        fixture.afterAll(null);

        assertThat(events).containsExactly("started", "closed backend");
        assertThatThrownBy(fixture::backend).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("gives each test an app name of its own, with the prefix")
    void appPerTest() throws Exception {
        BackendFixture<AutoCloseable> fixture = BackendFixture.perTest("fault");
        fixture.beforeEach(null);
        String first = fixture.app();
        fixture.afterEach(null);
        fixture.beforeEach(null);

        assertThat(first).matches("fault-[0-9a-f]{8}");
        assertThat(fixture.app()).matches("fault-[0-9a-f]{8}").isNotEqualTo(first);
        assertThatThrownBy(fixture::backend).isInstanceOf(IllegalStateException.class).hasMessageContaining("no backend");
    }

    @Test
    @DisplayName("closes what a test registered newest first, all of it even if a close fails, and fails with the first failure")
    void closesNewestFirstAndReportsTheFirstFailure() throws Exception {
        BackendFixture<AutoCloseable> fixture = BackendFixture.perTest("t");
        fixture.beforeEach(null);
        fixture.closeAfter(named("server"));
        fixture.closeAfter(failing("first"));
        fixture.closeAfter(named("client"));
        fixture.closeAfter(failing("second"));

        assertThatThrownBy(() -> fixture.afterEach(null)).hasMessage("second")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("first"));
        assertThat(events).containsExactly("closed client", "closed server");

        fixture.beforeEach(null);
        fixture.afterEach(null);
        assertThat(events).as("nothing is closed twice").hasSize(2);
    }

    @Test
    @DisplayName("a fixture that tolerates cleanup failures logs them and closes the rest")
    void toleratedCleanupFailures() throws Exception {
        BackendFixture<AutoCloseable> fixture = new BackendFixture<>("t", null) {
            {
                tolerateCleanupFailures();
            }
        };
        fixture.beforeEach(null);
        fixture.closeAfter(named("server"));
        fixture.closeAfter(failing("broken on purpose"));

        fixture.afterEach(null);

        assertThat(events).containsExactly("closed server");
    }

    @Test
    @DisplayName("a failing check after a test fails it, and what the test registered is still closed")
    void failingCheckStillCloses() throws Exception {
        BackendFixture<AutoCloseable> fixture = new BackendFixture<>("t", null) {
            @Override
            protected void afterEachTest() {
                throw new AssertionError("refused something");
            }
        };
        fixture.beforeEach(null);
        fixture.closeAfter(failing("close failed"));
        fixture.closeAfter(named("client"));

        assertThatThrownBy(() -> fixture.afterEach(null)).isInstanceOf(AssertionError.class).hasMessage("refused something")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("close failed"));
        assertThat(events).containsExactly("closed client");
    }

    @Nested
    @DisplayName("registered in a test class")
    class Registered {
        @RegisterExtension
        static final BackendFixture<AutoCloseable> fixture = BackendFixture.perTest("reg");

        @Test
        @DisplayName("is passed to a test that takes it as a parameter, with the test's app name set")
        void passedAsParameter(BackendFixture<?> given) {
            assertThat(given).isSameAs(fixture);
            assertThat(given.app()).startsWith("reg-");
        }
    }
}
