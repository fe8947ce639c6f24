package dev.exstate.testkit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frame of an integration test class against a real backend, as a JUnit 5 extension held in a
 * {@code static} field annotated with {@code @RegisterExtension}:
 * <ul>
 *   <li>the backend is started once, before the class's first test, and closed after its last;
 *       {@code @Nested} classes share it;</li>
 *   <li>each test gets its own {@link #app()} name, {@code <prefix>-<8 hex digits>}, so tests share
 *       the backend without seeing each other's keys;</li>
 *   <li>what a test hands to {@link #closeAfter} is closed after it, newest first. Every close runs;
 *       the first that fails fails the test;</li>
 *   <li>a test, lifecycle method or constructor may take the fixture as a parameter: an abstract
 *       test class written once gets the fixture of whichever subclass runs.</li>
 * </ul>
 *
 * <pre>{@code
 * @RegisterExtension
 * static final BackendFixture<RedisServer> redis = BackendFixture.of("it", () -> RedisServer.builder().start());
 *
 * @Test
 * void savedSessionIsFound() {
 *     RedisState state = redis.closeAfter(RedisState.connect(
 *             RedisOptions.standalone(redis.backend().uri()).appName(redis.app()).build()));
 *     ...
 * }
 * }</pre>
 *
 * <p>A provider's test suite subclasses it to add what its tests share, such as options for the
 * test's app or a white-box client. One instance serves one test class, whose tests run one at a
 * time.
 *
 * @param <B> the backend: a server, a cluster, anything that closes
 */
public class BackendFixture<B extends AutoCloseable>
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final Logger log = LoggerFactory.getLogger(BackendFixture.class);

    private final String appPrefix;
    private final Supplier<? extends B> start;
    private final Deque<AutoCloseable> closeAfter = new ArrayDeque<>();
    private boolean tolerateCleanupFailures;
    /** Class containers entered and not yet left: the test class and its {@code @Nested} classes. */
    private int depth;
    private B backend;
    private String app;

    /**
     * @param appPrefix the start of every test's app name
     * @param start     starts the backend; {@code null} for none shared by the class
     */
    protected BackendFixture(String appPrefix, Supplier<? extends B> start) {
        this.appPrefix = Objects.requireNonNull(appPrefix, "appPrefix");
        this.start = start;
    }

    /** A fixture whose backend {@code start} starts before the class's first test. */
    public static <B extends AutoCloseable> BackendFixture<B> of(String appPrefix, Supplier<? extends B> start) {
        return new BackendFixture<>(appPrefix, Objects.requireNonNull(start, "start"));
    }

    /** A fixture without a shared backend: each test starts what it needs and hands it to {@link #closeAfter}. */
    public static BackendFixture<AutoCloseable> perTest(String appPrefix) {
        return new BackendFixture<>(appPrefix, null);
    }

    /**
     * The backend shared by the class.
     *
     * @throws IllegalStateException outside the class's tests, or if the fixture has none
     */
    public final B backend() {
        B b = backend;
        if (b == null) {
            throw new IllegalStateException(start == null ? "this fixture shares no backend; start one in the test"
                    : "the backend runs only during the tests of the class that registers the fixture");
        }
        return b;
    }

    /**
     * This test's app name.
     *
     * @throws IllegalStateException outside a test
     */
    public final String app() {
        if (app == null) {
            throw new IllegalStateException("the app name is set for each test, in its beforeEach");
        }
        return app;
    }

    /** Closes {@code resource} after the current test, before whatever was registered earlier; returns it. */
    public final synchronized <T extends AutoCloseable> T closeAfter(T resource) {
        closeAfter.push(Objects.requireNonNull(resource, "resource"));
        return resource;
    }

    /**
     * Logs failures to close a test's resources instead of failing the test: for fault tests, which
     * leave connections and processes broken on purpose.
     */
    protected final void tolerateCleanupFailures() {
        tolerateCleanupFailures = true;
    }

    /** Runs before each test, once its {@link #app()} is set. */
    protected void beforeEachTest() {
    }

    /**
     * Checks after each test what every test of the class must leave true; runs before the test's
     * resources are closed (they are closed even if it fails).
     */
    protected void afterEachTest() {
    }

    /** Runs after the class's last test, before the backend is closed. */
    protected void afterAllTests() {
    }

    @Override
    public final void beforeAll(ExtensionContext context) {
        if (depth++ == 0 && start != null) {
            backend = start.get();
        }
    }

    @Override
    public final void afterAll(ExtensionContext context) throws Exception {
        if (--depth > 0) {
            return;
        }
        try {
            afterAllTests();
        } finally {
            B b = backend;
            backend = null;
            if (b != null) {
                b.close();
            }
        }
    }

    @Override
    public final void beforeEach(ExtensionContext context) {
        app = appPrefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        beforeEachTest();
    }

    @Override
    public final void afterEach(ExtensionContext context) throws Exception {
        Throwable failed = null;
        try {
            afterEachTest();
        } catch (RuntimeException | Error e) {
            failed = e;
        }
        Exception closing = closeAll();
        app = null;
        if (failed == null) {
            if (closing != null) {
                throw closing;
            }
            return;
        }
        if (closing != null) {
            failed.addSuppressed(closing);
        }
        if (failed instanceof Error e) {
            throw e;
        }
        throw (RuntimeException) failed;
    }

    /** Closes what the test registered, newest first; returns the first failure with the others suppressed. */
    private Exception closeAll() {
        Exception first = null;
        for (AutoCloseable resource = next(); resource != null; resource = next()) {
            try {
                resource.close();
            } catch (Exception e) {
                if (tolerateCleanupFailures) {
                    log.debug("closing {} after a test failed", resource, e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }

    @Override
    public final boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType().isInstance(this);
    }

    @Override
    public final Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return this;
    }

    private synchronized AutoCloseable next() {
        return closeAfter.poll();
    }
}
