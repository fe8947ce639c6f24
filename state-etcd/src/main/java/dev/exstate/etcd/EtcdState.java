package dev.exstate.etcd;

import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.internal.EtcdConnection;
import dev.exstate.etcd.internal.EtcdKeys;
import dev.exstate.etcd.internal.EtcdLeaseBackend;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.runtime.ProviderFactory;
import dev.exstate.runtime.StateContext;
import dev.exstate.time.StateClock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The entry point of the etcd module: one etcd client, from which config sources, lease
 * providers and admin views are built, all sharing its connections.
 *
 * <pre>{@code
 * EtcdState etcd = EtcdState.connect(EtcdOptions.builder("http://etcd-0:2379", "http://etcd-1:2379").build());
 * StateRuntime runtime = StateRuntime.builder("shop")
 *         .config(etcd.config(validator))
 *         .leases(etcd.leases())
 *         .build();
 * ...
 * runtime.close();   // closes the providers
 * etcd.close();      // the client closes once this and every provider built from it are closed
 * }</pre>
 *
 * <p>Providers built through a factory use the runtime's guard for {@code "etcd"} (its policy is
 * the runtime's for {@code "etcd"}, else {@link EtcdOptions#guardPolicy()}; setting both
 * differently fails the build, see {@link dev.exstate.runtime.StateRuntime}), clock and app name
 * (unless {@link EtcdOptions#appName()} is set); providers built directly use this state's
 * guard ({@link #guard()}), the system clock unless given, and {@link EtcdOptions#appName()} or
 * {@code app}. The client is reference counted: each provider holds a share, released by its
 * {@code close()}, and {@link #close()} releases the creator's share.
 *
 * <p>Thread-safe. {@link #connect} returns at once (jetcd connects on first use). Building a
 * config source, a lease provider or an admin makes the first connection: it waits until etcd
 * answers a read of that provider's prefix, retrying within {@link EtcdOptions#startupTimeout()}
 * (so a replica may start before etcd, or on a busy host), then fails with
 * {@link dev.exstate.guard.StateUnavailableException}, except that a config source with
 * {@link EtcdOptions#defaults()} serves those instead. Refused credentials or permissions fail at
 * once with {@link dev.exstate.guard.StateAccessDeniedException}. Building anything after
 * {@link #close()} throws {@link IllegalStateException}.
 */
public final class EtcdState implements AutoCloseable {
    /** The backend name of the guard: one breaker for everything that talks to etcd. */
    public static final String BACKEND = "etcd";
    private static final String DEFAULT_APP = "app";

    private final EtcdOptions options;
    private final EtcdConnection connection;
    private final Guard guard;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EtcdState(EtcdOptions options, Guard guard, boolean ownGuard) {
        this.options = options;
        this.guard = guard;
        this.connection = EtcdConnection.open(options, options.password(), ownGuard ? guard::close : () -> { });
    }

    /** A client for {@code options}, with its own guard built from {@link EtcdOptions#guardPolicy()}. */
    public static EtcdState connect(EtcdOptions options) {
        Objects.requireNonNull(options, "options");
        Guard guard = Guard.create(BACKEND, options.guardPolicy());
        try {
            return new EtcdState(options, guard, true);
        } catch (RuntimeException e) {
            guard.close();
            throw e;
        }
    }

    /** A client for {@code options} whose calls go through {@code guard}, which stays open after {@link #close()}. */
    public static EtcdState connect(EtcdOptions options, Guard guard) {
        return new EtcdState(Objects.requireNonNull(options, "options"), Objects.requireNonNull(guard, "guard"), false);
    }

    public EtcdOptions options() {
        return options;
    }

    /** The guard of providers built directly from this state. */
    public Guard guard() {
        return guard;
    }

    /** A config source over {@code <keyPrefix><app>/config/}; blocks up to the start-up timeout. */
    public EtcdConfigSource configSource(ConfigValidator validator) {
        return configSource(validator, StateClock.system());
    }

    /** As {@link #configSource(ConfigValidator)}; {@code clock} timestamps rejections. */
    public EtcdConfigSource configSource(ConfigValidator validator, StateClock clock) {
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(clock, "clock");
        requireOpen();
        return new EtcdConfigSource(connection.retain(), guard, keys((String) null), validator, clock);
    }

    /** A lease provider over {@code <keyPrefix><app>/lease/} on the system clock. */
    public EtcdLeaseProvider leaseProvider() {
        return leaseProvider(StateClock.system());
    }

    /** As {@link #leaseProvider()}; {@code clock} judges lease validity (use the system clock in production). */
    public EtcdLeaseProvider leaseProvider(StateClock clock) {
        requireOpen();
        return newLeaseProvider(guard, keys((String) null), Objects.requireNonNull(clock, "clock"));
    }

    /** Reads and writes the config of {@link EtcdOptions#appName()} (or {@code app}). */
    public EtcdConfigAdmin admin() {
        return admin(null);
    }

    /**
     * Reads and writes the config of application {@code appName} (overrides {@link EtcdOptions#appName()});
     * waits until etcd answers, within the start-up timeout.
     */
    public EtcdConfigAdmin admin(String appName) {
        requireOpen();
        EtcdKeys keys = keys(appName == null ? null : checkedApp(appName));
        connection.awaitReachable(keys.configPrefix(), keys.configPrefixBytes());
        return new EtcdConfigAdmin(connection, guard, keys);
    }

    /** For {@link dev.exstate.runtime.StateRuntime.Builder#config}: a source with the runtime's guard, clock and app name. */
    public ProviderFactory<EtcdConfigSource> config(ConfigValidator validator) {
        Objects.requireNonNull(validator, "validator");
        return ctx -> {
            requireOpen();
            return new EtcdConfigSource(connection.retain(), runtimeGuard(ctx), keysFor(ctx), validator, ctx.clock());
        };
    }

    /** For {@link dev.exstate.runtime.StateRuntime.Builder#leases}: a provider with the runtime's guard, clock and app name. */
    public ProviderFactory<EtcdLeaseProvider> leases() {
        return ctx -> {
            requireOpen();
            return newLeaseProvider(runtimeGuard(ctx), keysFor(ctx), ctx.clock());
        };
    }

    /** Releases this state's share of the client; it closes once every provider built from it is closed too. Idempotent. */
    @Override
    public void close() {
        connection.releaseOnce(closed);
    }

    @Override
    public String toString() {
        return "EtcdState[" + options.endpoints() + (closed.get() ? ", closed" : "") + "]";
    }

    private EtcdLeaseProvider newLeaseProvider(Guard g, EtcdKeys keys, StateClock clock) {
        // the first connection, retried within the start-up timeout, outside the guard
        connection.awaitReachable(keys.leasePrefix(), EtcdKeys.bytes(keys.leasePrefix()));
        EtcdLeaseBackend backend = new EtcdLeaseBackend(connection.retain(), g, keys);
        return new EtcdLeaseProvider(backend, clock, keys.leasePrefix());
    }

    /** The runtime's guard for etcd, whose policy follows the runtime's one rule (see StateRuntime). */
    private Guard runtimeGuard(StateContext ctx) {
        return ctx.guard(BACKEND, GuardPolicy.defaults(), options.guardPolicy());
    }

    private EtcdKeys keys(String app) {
        String name = app != null ? app : options.appName() != null ? options.appName() : DEFAULT_APP;
        return new EtcdKeys(options.keyPrefix(), name);
    }

    private EtcdKeys keysFor(StateContext ctx) {
        return keys(options.appName() != null ? options.appName() : ctx.appName());
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("EtcdState for " + options.endpoints() + " is closed");
        }
    }

    private static String checkedApp(String app) {
        if (app.isBlank() || app.contains("/") || app.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("app name must be non-blank, without '/', whitespace or control characters, was '"
                    + app + "'");
        }
        return app;
    }
}
