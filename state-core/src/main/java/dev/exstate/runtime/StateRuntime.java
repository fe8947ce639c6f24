package dev.exstate.runtime;

import dev.exstate.blob.BlobStore;
import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.health.BackendHealth;
import dev.exstate.health.Health;
import dev.exstate.health.HealthIndicator;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.time.StateClock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one object a service owns for all its external state: it builds the providers, shares one
 * {@link Guard} per backend between them, exposes {@link #health()} and shuts everything down in
 * the right order.
 *
 * <p>{@link #close()} (call it from a SIGTERM hook, or use {@link Builder#registerShutdownHook()})
 * first turns readiness false, then stops the scheduler (interrupting jobs after its grace
 * period), then releases leases, then closes session store, blob store and config source
 * (flushing what they buffer), then the guards. It is idempotent.
 *
 * <p>Providers not configured default to an {@link dev.exstate.memory.InMemoryBackend}
 * shared by this runtime, so a service runs locally with no infrastructure. Such a capability is
 * not shared with other replicas, so it is never silent: readiness lists it as a component
 * ({@code sessions: in memory, not shared between replicas}, status UP) from the start, and its
 * first use logs one WARN. In production, {@link Builder#requireSharedBackends()} or the
 * environment variable {@value #REQUIRE_SHARED_BACKENDS_ENV}{@code =true} make {@link Builder#build()}
 * fail instead, naming each capability that is not configured.
 *
 * <p><b>Guard policies: one per backend, set in one place.</b> Every provider on a backend shares
 * one guard, so the guard has one policy, chosen by one rule for every provider:
 * <ol>
 *   <li>the policy given to {@link Builder#guardPolicy(String, GuardPolicy)} for that backend, or
 *       else</li>
 *   <li>the policy set in the provider's own options ({@code RedisOptions.guardPolicy},
 *       {@code EtcdOptions.guardPolicy}, {@code S3Options.guardPolicy}), or else</li>
 *   <li>the provider's default ({@link GuardPolicy#defaults()}; longer timeouts for S3).</li>
 * </ol>
 * Setting it in both places with different values is refused: {@link Builder#build()} fails with
 * {@link IllegalStateException} naming the backend and both policies, as it does when two
 * providers' options ask for different policies for the same guard. Nothing is silently ignored.
 *
 * <p>Configured providers are built by {@link Builder#build()}, so a bad configuration fails at
 * start-up; in-memory defaults and the scheduler are built on first use. Thread-safe. After
 * {@link #close()} the providers already built are still returned (jobs finishing in the grace
 * period may need them), but nothing new is created: that throws {@link IllegalStateException}.
 */
public final class StateRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateRuntime.class);
    private static final Pattern APP_NAME = Pattern.compile("[a-z0-9-]{1,40}");
    /**
     * Environment variable read by {@link Builder#build()}: {@code true} requires every capability
     * to be configured with a provider (as {@link Builder#requireSharedBackends()}), a comma-separated
     * list such as {@code sessions,leases} requires those, {@code false} or unset requires nothing.
     */
    public static final String REQUIRE_SHARED_BACKENDS_ENV = "EXSTATE_REQUIRE_SHARED_BACKENDS";
    /** Readiness detail of a capability served from this process's memory. */
    static final String IN_MEMORY_DETAIL = "in memory, not shared between replicas";

    /** What a runtime provides; each is configured with a provider or else kept in memory. */
    public enum Capability {
        SESSIONS("sessions", "sessions"), CONFIG("config", "config"), LEASES("leases", "leases"), BLOBS("blobs", "blobs");

        private final String label;
        private final String builderMethod;

        Capability(String label, String builderMethod) {
            this.label = label;
            this.builderMethod = builderMethod;
        }

        /** The lower-case name used in readiness, logs and {@value #REQUIRE_SHARED_BACKENDS_ENV}: {@code sessions}. */
        public String label() {
            return label;
        }
    }

    private final String appName;
    private final StateClock clock;
    private final Map<String, GuardPolicy> policies;
    private final InMemoryBackend givenInMemory;
    private final Health health = new Health();
    private final Object lock = new Object();
    private final StateContext context = new Context();
    // one entry per backend name the configuration uses: bounded by the configuration, not by traffic
    private final Map<String, Guard> guards = new LinkedHashMap<>(); // guarded by lock
    private final Map<String, String> policySources = new LinkedHashMap<>(); // guarded by lock: where each guard's policy came from
    private final List<Consumer<Object>> builtListeners = new ArrayList<>(); // guarded by lock
    private final Slot<ConfigSource> config;
    private final Slot<LeaseProvider> leases;
    private final Slot<SessionStore> sessions;
    private final Slot<BlobStore> blobs;
    private final Slot<LeasedScheduler> scheduler;
    private final CountDownLatch closeDone = new CountDownLatch(1);

    private InMemoryBackend inMemory; // guarded by lock; created on first use
    private boolean closed; // guarded by lock
    private Thread closingThread; // guarded by lock
    private volatile Thread shutdownHook;

    private StateRuntime(Builder b) {
        this.appName = b.appName;
        this.givenInMemory = b.inMemory;
        this.clock = b.clock != null ? b.clock : b.inMemory != null ? b.inMemory.clock() : StateClock.system();
        this.policies = Map.copyOf(b.policies);
        this.config = new Slot<>("config source", Capability.CONFIG, b.config,
                ctx -> memory().configSource(ConfigValidator.acceptAll()));
        this.leases = new Slot<>("lease provider", Capability.LEASES, b.leases, ctx -> memory().leaseProvider());
        this.sessions = new Slot<>("session store", Capability.SESSIONS, b.sessions,
                ctx -> memory().sessionStore(SessionOptions.defaults()));
        this.blobs = new Slot<>("blob store", Capability.BLOBS, b.blobs, ctx -> memory().blobStore());
        UnaryOperator<LeasedScheduler.Builder> schedulerSettings = b.schedulerSettings;
        this.scheduler = new Slot<>("scheduler", null, null,
                ctx -> schedulerSettings.apply(LeasedScheduler.builder(leases()).clock(clock)).build());
    }

    public static Builder builder(String appName) {
        return new Builder(appName);
    }

    public String appName() {
        return appName;
    }

    public SessionStore sessions() {
        return sessions.get();
    }

    /** The config source; it is one of {@link #health()}'s indicators (DOWN until its first snapshot). */
    public ConfigSource config() {
        return config.get();
    }

    public LeaseProvider leases() {
        return leases.get();
    }

    public BlobStore blobs() {
        return blobs.get();
    }

    /** The scheduler over {@link #leases()}, created on first use. */
    public LeasedScheduler scheduler() {
        return scheduler.get();
    }

    public Health health() {
        return health;
    }

    /**
     * Tells {@code listener} about each part of this runtime, once: every {@link Guard}, and the
     * {@link ConfigSource}, {@link LeaseProvider}, {@link SessionStore}, {@link BlobStore} and
     * {@link LeasedScheduler}. Parts already built are passed at once, on this thread; each later
     * one on the thread that builds it, before it is handed to anyone (so an observer added to a
     * new guard sees all of its calls). For metrics and similar bookkeeping: nothing is built by
     * this call, so a capability left in memory and never used, or a scheduler never asked for,
     * is never passed.
     *
     * <p>The listener runs while the runtime's lock is held: it must be quick and must not wait
     * for other threads. What it throws is logged and ignored; building goes on.
     */
    public void onBuilt(Consumer<Object> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            builtListeners.add(listener);
            for (Guard g : guards.values()) {
                tell(listener, g);
            }
            for (Slot<?> slot : List.of(config, leases, sessions, blobs, scheduler)) {
                if (slot.value != null) {
                    tell(listener, slot.value);
                }
            }
        }
    }

    /** Called under lock. */
    private void built(Object part) {
        for (Consumer<Object> listener : builtListeners) {
            tell(listener, part);
        }
    }

    private void tell(Consumer<Object> listener, Object part) {
        try {
            listener.accept(part);
        } catch (RuntimeException e) {
            log.warn("StateRuntime '{}': a listener given to onBuilt failed on {}; ignored", appName, part, e);
        }
    }

    /** The shared guard of {@code backend}, as providers see it. */
    public Guard guard(String backend) {
        return guard(backend, GuardPolicy.defaults());
    }

    /**
     * The shared guard of {@code backend}; if it does not exist yet it is created with the policy
     * set by {@link Builder#guardPolicy} or else {@code providerDefault}.
     */
    Guard guard(String backend, GuardPolicy providerDefault) {
        return guard(backend, providerDefault, providerDefault);
    }

    /**
     * The shared guard of {@code backend} for a provider whose options hold {@code optionsPolicy}
     * (set by the user if it differs from {@code providerDefault}); see the class comment for the
     * rule and the conflicts it refuses.
     */
    Guard guard(String backend, GuardPolicy providerDefault, GuardPolicy optionsPolicy) {
        Objects.requireNonNull(providerDefault, "providerDefault");
        Objects.requireNonNull(optionsPolicy, "optionsPolicy");
        if (backend == null || backend.isBlank()) {
            throw new IllegalArgumentException("backend name must not be blank");
        }
        boolean optionsSet = !optionsPolicy.equals(providerDefault);
        GuardPolicy configured = policies.get(backend);
        if (optionsSet && configured != null && !configured.equals(optionsPolicy)) {
            throw new IllegalStateException("conflicting guard policies for backend '" + backend + "': StateRuntime.Builder"
                    + ".guardPolicy(\"" + backend + "\", ...) sets " + configured + " but the provider's options set "
                    + optionsPolicy + "; set it in one place");
        }
        synchronized (lock) {
            Guard g = guards.get(backend);
            if (g != null) {
                if (optionsSet && !g.policy().equals(optionsPolicy)) {
                    throw new IllegalStateException("conflicting guard policies for backend '" + backend + "': its shared "
                            + "guard already has " + g.policy() + " (" + policySources.get(backend) + ") but another "
                            + "provider's options set " + optionsPolicy + "; give every provider on '" + backend
                            + "' the same policy, or set it once with StateRuntime.Builder.guardPolicy");
                }
                return g;
            }
            requireOpen("a guard for backend '" + backend + "'");
            GuardPolicy policy = configured != null ? configured : optionsPolicy;
            g = Guard.builder(backend).policy(policy).clock(clock).build();
            guards.put(backend, g);
            built(g);
            policySources.put(backend, configured != null ? "set by StateRuntime.Builder.guardPolicy"
                    : optionsSet ? "set by a provider's options" : "the provider's default");
            health.register(g);
            return g;
        }
    }

    /**
     * Shuts down in order: readiness false, scheduler, leases, sessions, blobs, config, guards,
     * liveness false. A step that fails is logged and the next steps still run. Idempotent; a
     * second caller waits until the first has finished.
     */
    @Override
    public void close() {
        List<Step> steps;
        synchronized (lock) {
            if (closed) {
                if (closingThread == Thread.currentThread()) {
                    return; // a provider's close() closing the runtime again
                }
                steps = null;
            } else {
                closed = true;
                closingThread = Thread.currentThread();
                steps = shutdownSteps();
            }
        }
        if (steps == null) {
            awaitOtherClose();
            return;
        }
        try {
            removeShutdownHook();
            for (Step step : steps) {
                try {
                    step.action.run();
                } catch (Exception | LinkageError | AssertionError e) {
                    log.warn("StateRuntime '{}': {} failed during shutdown; continuing with the next step", appName, step.name, e);
                }
            }
        } finally {
            closeDone.countDown();
        }
    }

    /** Called under lock: what was built, in shutdown order. */
    private List<Step> shutdownSteps() {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step("turning readiness off", health::startDraining));
        addClose(steps, "stopping the scheduler", scheduler.value);
        addClose(steps, "releasing leases", leases.value);
        addClose(steps, "closing the session store", sessions.value);
        addClose(steps, "closing the blob store", blobs.value);
        addClose(steps, "closing the config source", config.value);
        guards.forEach((name, g) -> steps.add(new Step("closing the guard of '" + name + "'", g::close)));
        steps.add(new Step("turning liveness off", health::markStopped));
        return steps;
    }

    private static void addClose(List<Step> steps, String name, AutoCloseable c) {
        if (c != null) {
            steps.add(new Step(name, c::close));
        }
    }

    private void awaitOtherClose() {
        try {
            closeDone.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void removeShutdownHook() {
        Thread hook = shutdownHook;
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook will find the runtime closed
            }
        }
    }

    private InMemoryBackend memory() {
        synchronized (lock) {
            if (inMemory == null) {
                inMemory = givenInMemory != null ? givenInMemory : InMemoryBackend.create(clock);
            }
            return inMemory;
        }
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException("StateRuntime '" + appName + "' is closed: cannot create " + what);
        }
    }

    /**
     * Builds the configured providers, so that a bad configuration fails at start-up, and lists
     * each capability left in memory in readiness.
     */
    private void buildConfigured() {
        try {
            for (Slot<?> slot : List.of(config, leases, sessions, blobs)) {
                if (slot.configured) {
                    slot.get();
                } else {
                    String component = slot.capability.label();
                    health.register(() -> BackendHealth.up(component, IN_MEMORY_DETAIL));
                }
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "StateRuntime[" + appName + "]";
    }

    private record Step(String name, ThrowingRunnable action) {
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** One capability: built once, by the configured factory or the in-memory default. */
    private final class Slot<T> {
        private final String what;
        private final Capability capability; // null for the scheduler, which is built on the leases
        private final boolean configured;
        private final ProviderFactory<? extends T> factory;
        private T value; // guarded by lock

        Slot(String what, Capability capability, ProviderFactory<? extends T> configuredFactory,
             ProviderFactory<? extends T> fallback) {
            this.what = what;
            this.capability = capability;
            this.configured = configuredFactory != null;
            this.factory = configured ? configuredFactory : fallback;
        }

        T get() {
            synchronized (lock) {
                if (value == null) {
                    requireOpen("its " + what);
                    T created = factory.create(context);
                    if (created == null) {
                        throw new IllegalStateException("the " + what + " factory of StateRuntime '" + appName + "' returned null");
                    }
                    value = created;
                    built(created);
                    if (created instanceof ConfigSource source) {
                        health.register(source);
                    }
                    if (!configured && capability != null) {
                        log.warn("StateRuntime '{}' keeps {} in this process's memory, not shared between replicas: "
                                + "each replica sees only its own. Configure a shared backend with "
                                + "StateRuntime.builder(...).{}(...); set {}=true to make start-up fail instead.",
                                appName, capability.label, capability.builderMethod, REQUIRE_SHARED_BACKENDS_ENV);
                    }
                }
                return value;
            }
        }
    }

    private final class Context implements StateContext {
        @Override
        public String appName() {
            return appName;
        }

        @Override
        public StateClock clock() {
            return clock;
        }

        @Override
        public Guard guard(String backend) {
            return StateRuntime.this.guard(backend);
        }

        @Override
        public Guard guard(String backend, GuardPolicy providerDefault) {
            return StateRuntime.this.guard(backend, providerDefault);
        }

        @Override
        public Guard guard(String backend, GuardPolicy providerDefault, GuardPolicy optionsPolicy) {
            return StateRuntime.this.guard(backend, providerDefault, optionsPolicy);
        }

        @Override
        public void registerHealth(HealthIndicator indicator) {
            health.register(indicator);
        }

        @Override
        public String toString() {
            return "StateContext[" + appName + "]";
        }
    }

    /**
     * Builder for {@link StateRuntime}. Not thread-safe; use it from one thread. Defaults: the
     * system clock (or the clock of the {@link #inMemory} backend if one is given), guard policy
     * {@link GuardPolicy#defaults()}, every capability in memory.
     */
    public static final class Builder {
        private final String appName;
        private StateClock clock;
        private final Map<String, GuardPolicy> policies = new LinkedHashMap<>();
        private ProviderFactory<? extends SessionStore> sessions;
        private ProviderFactory<? extends ConfigSource> config;
        private ProviderFactory<? extends LeaseProvider> leases;
        private ProviderFactory<? extends BlobStore> blobs;
        private InMemoryBackend inMemory;
        private boolean shutdownHook;
        private final Set<Capability> required = EnumSet.noneOf(Capability.class);
        private Function<String, String> environment = System::getenv;
        private UnaryOperator<LeasedScheduler.Builder> schedulerSettings = UnaryOperator.identity();

        private Builder(String appName) {
            if (appName == null || !APP_NAME.matcher(appName).matches()) {
                throw new IllegalArgumentException("invalid app name " + (appName == null ? "null" : "'" + appName + "'")
                        + ": use 1 to 40 characters from a-z, 0-9 and '-' (it namespaces keys as exstate:{app}:...)");
            }
            this.appName = appName;
        }

        public Builder clock(StateClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The policy of {@code backend}'s guard, shared by every provider on that backend. Backends
         * not named get the policy set in their provider's options, else the provider's default
         * (e.g. longer timeouts for blob transfers). A provider whose options set a different policy
         * for the same backend makes {@link #build()} fail (see {@link StateRuntime}).
         */
        public Builder guardPolicy(String backend, GuardPolicy policy) {
            if (backend == null || backend.isBlank()) {
                throw new IllegalArgumentException("backend name must not be blank");
            }
            policies.put(backend, Objects.requireNonNull(policy, "policy"));
            return this;
        }

        public Builder sessions(ProviderFactory<? extends SessionStore> factory) {
            this.sessions = Objects.requireNonNull(factory, "factory");
            return this;
        }

        public Builder config(ProviderFactory<? extends ConfigSource> factory) {
            this.config = Objects.requireNonNull(factory, "factory");
            return this;
        }

        public Builder leases(ProviderFactory<? extends LeaseProvider> factory) {
            this.leases = Objects.requireNonNull(factory, "factory");
            return this;
        }

        public Builder blobs(ProviderFactory<? extends BlobStore> factory) {
            this.blobs = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** Uses {@code backend} for every capability not configured otherwise (default: a new one). */
        public Builder inMemory(InMemoryBackend backend) {
            this.inMemory = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Makes {@link #build()} fail with {@link IllegalStateException}, naming each capability
         * (sessions, config, leases, blobs) that is not configured with a provider and would
         * therefore live in this process's memory, not shared with other replicas. For
         * production: a replica started without its backend's address then fails to start instead
         * of serving from memory. The environment variable {@value StateRuntime#REQUIRE_SHARED_BACKENDS_ENV}
         * does the same without a code change. {@link #inMemory} does not count as configured.
         */
        public Builder requireSharedBackends() {
            required.addAll(EnumSet.allOf(Capability.class));
            return this;
        }

        /**
         * Like {@link #requireSharedBackends()}, for the capabilities this service uses (one that
         * does not store blobs need not configure a blob store).
         */
        public Builder requireSharedBackends(Capability first, Capability... more) {
            required.add(Objects.requireNonNull(first, "first"));
            for (Capability c : more) {
                required.add(Objects.requireNonNull(c, "capability"));
            }
            return this;
        }

        /** For tests: where {@link #build()} reads environment variables. */
        Builder environment(Function<String, String> environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /**
         * Settings of {@link StateRuntime#scheduler()}: {@code settings} gets the scheduler's builder,
         * already given this runtime's lease provider and clock, and returns it with any other
         * setting changed, e.g. {@code b -> b.leaseTtl(Duration.ofSeconds(30)).threads(4)}. Applied
         * when the scheduler is first used; a bad setting then throws that builder's
         * {@link IllegalArgumentException} from {@code scheduler()}.
         */
        public Builder scheduler(UnaryOperator<LeasedScheduler.Builder> settings) {
            this.schedulerSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Closes the runtime on JVM shutdown (SIGTERM); an explicit {@link StateRuntime#close()} removes the hook. */
        public Builder registerShutdownHook() {
            this.shutdownHook = true;
            return this;
        }

        /**
         * Builds the runtime and the configured providers.
         *
         * @throws IllegalStateException    if shared backends are required (see {@link #requireSharedBackends()})
         *                                  and a required capability is not configured; nothing was built
         * @throws IllegalArgumentException if {@value StateRuntime#REQUIRE_SHARED_BACKENDS_ENV} holds something
         *                                  other than {@code true}, {@code false} or a list of capabilities
         * @throws RuntimeException         whatever a configured factory threw; what was built is closed
         */
        public StateRuntime build() {
            checkSharedBackends();
            StateRuntime runtime = new StateRuntime(this);
            runtime.buildConfigured();
            if (shutdownHook) {
                Thread hook = new Thread(runtime::close, "exstate-shutdown-" + appName);
                runtime.shutdownHook = hook;
                Runtime.getRuntime().addShutdownHook(hook);
            }
            return runtime;
        }

        private void checkSharedBackends() {
            Set<Capability> wanted = EnumSet.noneOf(Capability.class);
            wanted.addAll(required);
            wanted.addAll(fromEnvironment(environment.apply(REQUIRE_SHARED_BACKENDS_ENV)));
            List<String> missing = new ArrayList<>();
            for (Capability c : wanted) {
                boolean configured = switch (c) {
                    case SESSIONS -> sessions != null;
                    case CONFIG -> config != null;
                    case LEASES -> leases != null;
                    case BLOBS -> blobs != null;
                };
                if (!configured) {
                    missing.add(c.label);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("StateRuntime '" + appName + "' requires shared backends, but "
                        + String.join(", ", missing) + (missing.size() == 1 ? " is" : " are")
                        + " not configured and would be kept in this process's memory, not shared between replicas. "
                        + "Configure " + (missing.size() == 1 ? "it" : "each") + " (e.g. .sessions(redis.sessions(...))), "
                        + "or remove the requirement (requireSharedBackends(), " + REQUIRE_SHARED_BACKENDS_ENV + ")");
            }
        }

        private static Set<Capability> fromEnvironment(String value) {
            Set<Capability> out = EnumSet.noneOf(Capability.class);
            if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("false")) {
                return out;
            }
            if (value.trim().equalsIgnoreCase("true")) {
                return EnumSet.allOf(Capability.class);
            }
            for (String part : value.split(",")) {
                String name = part.trim().toLowerCase(Locale.ROOT);
                Capability found = null;
                for (Capability c : Capability.values()) {
                    if (c.label.equals(name)) {
                        found = c;
                    }
                }
                if (found == null) {
                    throw new IllegalArgumentException(REQUIRE_SHARED_BACKENDS_ENV + "='" + value + "' is not understood: use "
                            + "true, false or a comma-separated list of sessions, config, leases, blobs");
                }
                out.add(found);
            }
            return out;
        }
    }
}
