package dev.exstate.redis;

import dev.exstate.cache.NearCache;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.health.BackendHealth;
import dev.exstate.health.HealthIndicator;
import dev.exstate.redis.internal.BreakerRecovery;
import dev.exstate.redis.internal.RedisConnector;
import dev.exstate.redis.internal.RedisKeys;
import dev.exstate.redis.internal.RedisLeaseBackend;
import dev.exstate.redis.internal.SessionEngine;
import dev.exstate.redis.internal.SessionSnapshot;
import dev.exstate.runtime.ProviderFactory;
import dev.exstate.runtime.StateContext;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.time.StateClock;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The entry point of the Redis providers: one per replica (per {@link dev.exstate.runtime.StateRuntime}).
 * Every session store and lease provider made from it shares one Lettuce client, one set of
 * connections (see {@link RedisOptions#connections()}), one near cache and one {@link Guard},
 * so one Redis outage opens one breaker.
 *
 * <pre>{@code
 * RedisState redis = RedisState.connect(RedisOptions.standalone("redis://redis:6379").build());
 * StateRuntime runtime = StateRuntime.builder("shop")
 *         .sessions(redis.sessions(SessionOptions.defaults()))
 *         .leases(redis.leases())
 *         .build();
 * }</pre>
 *
 * <p>Through a runtime, the guard, clock and app name come from the runtime and the readiness
 * indicator is registered with it; the guard's policy is the runtime's for {@code "redis"}, else
 * {@link RedisOptions#guardPolicy()} (setting both differently fails the build, see
 * {@link dev.exstate.runtime.StateRuntime}). Without a runtime, {@link #sessionStore} and
 * {@link #leaseProvider} build a guard from {@link RedisOptions#guardPolicy()}.
 *
 * <p>Recovery is driven by the connection: as soon as every connection is back (and tracking or
 * the invalidation subscription is on again), an open breaker is probed at once instead of after
 * the rest of its open wait, so readiness and writes return within a round trip of Redis
 * answering again. Sessions cached before the outage stay available as the stale fallback
 * meanwhile and are re-read before they are served as fresh.
 *
 * <p>Connecting is lazy: the first provider connects, blocking while it retries for up to
 * {@link RedisOptions#startupTimeout()} (so a replica may start before Redis, or on a busy host),
 * then failing with {@link dev.exstate.guard.StateUnavailableException} (real elapsed time, last
 * cause). Refused credentials fail at once with
 * {@link dev.exstate.guard.StateAccessDeniedException}. The connection closes when the last
 * provider made from this object is closed, or on {@link #close()}. Thread-safe.
 */
public final class RedisState implements AutoCloseable {
    /** Backend name of the guard, in errors, metrics and health. */
    public static final String BACKEND = "redis";
    private static final String DEFAULT_APP = "app";

    private final RedisOptions options;
    private final StateClock defaultClock;
    // written under the lock; read without it by health(), which must never wait for a connect
    private volatile Shared shared;

    private RedisState(RedisOptions options, StateClock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.defaultClock = Objects.requireNonNull(clock, "clock");
    }

    /** Providers on the system clock. */
    public static RedisState connect(RedisOptions options) {
        return new RedisState(options, StateClock.system());
    }

    /** Providers whose timestamps and lease deadlines follow {@code clock} when used without a runtime. */
    public static RedisState connect(RedisOptions options, StateClock clock) {
        return new RedisState(options, clock);
    }

    public RedisOptions options() {
        return options;
    }

    /** A factory for {@link dev.exstate.runtime.StateRuntime.Builder#sessions}. */
    public ProviderFactory<RedisSessionStore> sessions(SessionOptions sessionOptions) {
        Objects.requireNonNull(sessionOptions, "sessionOptions");
        return context -> openSessionStore(sessionOptions, runtimeGuard(context), false, context.clock(),
                context.appName(), context::registerHealth);
    }

    /** A factory for {@link dev.exstate.runtime.StateRuntime.Builder#leases}. */
    public ProviderFactory<RedisLeaseProvider> leases() {
        return context -> openLeaseProvider(context);
    }

    /** A session store with this object's own guard (no runtime). Close it when done. */
    public RedisSessionStore sessionStore(SessionOptions sessionOptions) {
        Objects.requireNonNull(sessionOptions, "sessionOptions");
        return openSessionStore(sessionOptions, null, true, defaultClock, DEFAULT_APP, null);
    }

    /** A lease provider with this object's own guard (no runtime). Close it when done. */
    public RedisLeaseProvider leaseProvider() {
        Shared s = acquire(null, defaultClock, DEFAULT_APP, null);
        return leaseProvider(s);
    }

    /**
     * Readiness of Redis for this replica, without I/O: DOWN while a connection is down or not
     * answering the heartbeat, or while the guard's breaker is open; DEGRADED while the breaker
     * is half-open; otherwise UP. DOWN when no provider is open.
     */
    public HealthIndicator health() {
        return this::currentHealth;
    }

    /** The guard all calls go through, or {@code null} while no provider is open. */
    public synchronized Guard guard() {
        return shared == null ? null : shared.guard;
    }

    /** Closes the connection and the guard this object created, even if providers are still open. Idempotent. */
    @Override
    public synchronized void close() {
        if (shared != null) {
            shared.shutDown();
            shared = null;
        }
    }

    @Override
    public String toString() {
        return "RedisState[" + options + "]";
    }

    private RedisLeaseProvider openLeaseProvider(StateContext context) {
        Shared s = acquire(runtimeGuard(context), context.clock(), context.appName(), context::registerHealth);
        return leaseProvider(s);
    }

    /** The runtime's guard for Redis, whose policy follows the runtime's one rule (see StateRuntime). */
    private Guard runtimeGuard(StateContext context) {
        return context.guard(BACKEND, GuardPolicy.defaults(), options.guardPolicy());
    }

    private RedisLeaseProvider leaseProvider(Shared s) {
        try {
            RedisLeaseBackend backend = new RedisLeaseBackend(s.connector, s.keys, s.guard, () -> release(s));
            return new RedisLeaseProvider(backend, s.clock);
        } catch (RuntimeException e) {
            release(s);
            throw e;
        }
    }

    private RedisSessionStore openSessionStore(SessionOptions sessionOptions, Guard guard, boolean ownGuard, StateClock clock,
                                               String appName, Consumer<HealthIndicator> registerHealth) {
        Shared s = acquire(ownGuard ? null : guard, clock, appName, registerHealth);
        try {
            NearCache<SessionId, SessionSnapshot> cache;
            synchronized (this) {
                if (s.cache == null && !s.cacheChecked) {
                    s.cache = SessionEngine.nearCache(s.connector, s.keys, s.clock);
                    s.cacheChecked = true;
                }
                cache = s.cache;
            }
            SessionEngine engine = new SessionEngine(s.connector, s.keys, s.guard, s.clock, sessionOptions, cache);
            return new RedisSessionStore(engine, () -> release(s));
        } catch (RuntimeException e) {
            release(s);
            throw e;
        }
    }

    /** The shared connection, created on first use; counts one more user. */
    private synchronized Shared acquire(Guard runtimeGuard, StateClock clock, String appName,
                                        Consumer<HealthIndicator> registerHealth) {
        if (shared != null) {
            if (runtimeGuard != null && shared.guard != runtimeGuard) {
                throw new IllegalStateException("this RedisState already serves another runtime (or direct use); "
                        + "create one RedisState per StateRuntime");
            }
            shared.users++;
            registerOnce(shared, registerHealth);
            return shared;
        }
        String app = options.appName() != null ? options.appName() : appName;
        RedisKeys keys = new RedisKeys(options.keyPrefix(), checkApp(app));
        Guard guard = runtimeGuard != null ? runtimeGuard
                : Guard.builder(BACKEND).policy(options.guardPolicy()).clock(clock).build();
        RedisConnector connector;
        try {
            connector = RedisConnector.connect(options, options.connectUris(), options.password(), keys.sessionInvalidations());
        } catch (RuntimeException e) {
            if (runtimeGuard == null) {
                guard.close();
            }
            throw e;
        }
        BreakerRecovery.watch(connector, guard);
        shared = new Shared(connector, guard, runtimeGuard == null, keys, clock);
        shared.users = 1;
        registerOnce(shared, registerHealth);
        return shared;
    }

    private void registerOnce(Shared s, Consumer<HealthIndicator> registerHealth) {
        if (registerHealth != null && !s.healthRegistered) {
            registerHealth.accept(health());
            s.healthRegistered = true;
        }
    }

    private synchronized void release(Shared s) {
        if (shared != s) {
            return;
        }
        if (--s.users <= 0) {
            s.shutDown();
            shared = null;
        }
    }

    private static String checkApp(String app) {
        if (app == null || app.isBlank() || app.indexOf('{') >= 0 || app.indexOf('}') >= 0 || app.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("app name '" + app + "' cannot be used in Redis keys: it must be non-blank "
                    + "without braces or whitespace; set RedisOptions.appName to override it");
        }
        return app;
    }

    private BackendHealth currentHealth() {
        Shared s = shared;
        if (s == null) {
            return BackendHealth.down(BACKEND, "not connected: no Redis provider is open");
        }
        String problem = s.connector.tracking().problem();
        if (problem != null) {
            return BackendHealth.down(BACKEND, s.connector.describe() + ": " + problem);
        }
        BackendHealth breaker = s.guard.health();
        if (breaker.status() != BackendHealth.Status.UP) {
            return new BackendHealth(BACKEND, breaker.status(), s.connector.describe() + ": " + breaker.detail());
        }
        return BackendHealth.up(BACKEND, s.connector.describe());
    }

    /** What every provider of one runtime shares. Guarded by the RedisState's lock. */
    private static final class Shared {
        final RedisConnector connector;
        final Guard guard;
        final boolean ownsGuard;
        final RedisKeys keys;
        final StateClock clock;
        NearCache<SessionId, SessionSnapshot> cache;
        boolean cacheChecked;
        boolean healthRegistered;
        int users;

        Shared(RedisConnector connector, Guard guard, boolean ownsGuard, RedisKeys keys, StateClock clock) {
            this.connector = connector;
            this.guard = guard;
            this.ownsGuard = ownsGuard;
            this.keys = keys;
            this.clock = clock;
        }

        void shutDown() {
            connector.close();
            if (ownsGuard) {
                guard.close();
            }
        }
    }
}
