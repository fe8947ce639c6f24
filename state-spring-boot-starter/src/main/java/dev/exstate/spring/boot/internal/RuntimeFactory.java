package dev.exstate.spring.boot.internal;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionOptions;
import dev.exstate.spring.boot.ExstateProperties;
import dev.exstate.spring.boot.GuardPolicyProperties;
import dev.exstate.spring.boot.StateRuntimeCustomizer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Builds the {@link StateRuntime} from the {@code exstate.*} properties and the configured
 * backends: sessions on Redis, config on etcd (or a file, {@code exstate.config.file}; never both),
 * blobs on S3 or a shared directory ({@code exstate.filesystem.root}; never both), leases on the backend {@code exstate.leases.backend} names (by default Redis, else etcd), everything else in memory
 * under the runtime's own rule. Every value goes through the exstate builders, and a value they
 * refuse fails start-up naming its property.
 */
public final class RuntimeFactory {
    private static final Logger log = LoggerFactory.getLogger(RuntimeFactory.class);
    private static final String APP_NAME = "exstate.app-name";
    private static final String SPRING_APP_NAME = "spring.application.name";
    private static final String REQUIRE = "exstate.require-shared-backends";
    private static final String LEASE_BACKEND = "exstate.leases.backend";
    private static final String HIKARI_POOL = "dev.exstate.hikari.BudgetedHikariPool";

    private RuntimeFactory() {
    }

    /**
     * The app name: {@code exstate.app-name}, else {@code spring.application.name}.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *         if neither is set
     */
    public static String appName(ExstateProperties p, Environment env) {
        if (p.getAppName() != null) {
            return p.getAppName();
        }
        String spring = env.getProperty(SPRING_APP_NAME);
        if (spring != null && !spring.isBlank()) {
            return spring;
        }
        throw Settings.invalid(APP_NAME, null, new IllegalArgumentException("exstate needs an application name to "
                + "namespace its keys: set " + APP_NAME + " (or " + SPRING_APP_NAME + ") to 1 to 40 characters from "
                + "a-z, 0-9 and '-'"));
    }

    /** Builds the runtime; configured backends connect now, so an unreachable one fails start-up. */
    public static StateRuntime create(ExstateProperties p, Environment env, List<ExstateBackend> backends,
                                      List<StateRuntimeCustomizer> customizers) {
        Map<String, ExstateBackend> byName = new LinkedHashMap<>();
        for (ExstateBackend b : backends) {
            byName.put(b.name(), b);
        }
        warnAboutUnusedGroups(env, byName);

        String appName = appName(p, env);
        StateRuntime.Builder builder;
        try {
            builder = StateRuntime.builder(appName);
        } catch (IllegalArgumentException e) {
            throw Settings.invalid(p.getAppName() != null ? APP_NAME : SPRING_APP_NAME, appName, e);
        }

        guardPolicy(builder, "redis", p.getGuard().getRedis(), byName.get("redis"));
        guardPolicy(builder, "etcd", p.getGuard().getEtcd(), byName.get("etcd"));
        guardPolicy(builder, "s3", p.getGuard().getS3(), byName.get("s3"));
        guardPolicy(builder, FileSystemSupport.NAME, p.getGuard().getFilesystem(), byName.get(FileSystemSupport.NAME));

        SessionOptions sessionOptions = sessionOptions(p.getSession());
        List<String> configFrom = new ArrayList<>();
        List<String> blobsFrom = new ArrayList<>();
        for (ExstateBackend b : byName.values()) {
            Optional.ofNullable(b.sessions(sessionOptions)).ifPresent(builder::sessions);
            Optional.ofNullable(b.config()).ifPresent(c -> {
                configFrom.add(b.name());
                builder.config(c);
            });
            Optional.ofNullable(b.blobs()).ifPresent(f -> {
                blobsFrom.add(b.name());
                builder.blobs(f);
            });
        }
        FileConfigSupport.requireOneConfigBackend(configFrom);
        requireOneBlobBackend(blobsFrom, p.getFilesystem().getRoot());
        leases(builder, p.getLeases().getBackend(), byName);

        UnaryOperator<LeasedScheduler.Builder> scheduler = schedulerSettings(p.getScheduler());
        builder.scheduler(scheduler);

        Set<StateRuntime.Capability> required = requiredCapabilities(p.getRequireSharedBackends());
        if (!required.isEmpty()) {
            List<StateRuntime.Capability> list = new ArrayList<>(required);
            builder.requireSharedBackends(list.get(0), list.subList(1, list.size()).toArray(StateRuntime.Capability[]::new));
        }
        for (StateRuntimeCustomizer c : customizers) {
            c.customize(builder);
        }
        return builder.build();
    }

    /** {@code exstate.session.*} through {@link SessionOptions}' builder. */
    public static SessionOptions sessionOptions(ExstateProperties.Session p) {
        return Settings.of("exstate.session", SessionOptions.builder())
                .set("max-inactive-interval", p.getMaxInactiveInterval(), SessionOptions.Builder::maxInactiveInterval)
                .set("touch-interval", p.getTouchInterval(), SessionOptions.Builder::touchInterval)
                .set("max-attributes", p.getMaxAttributes(), SessionOptions.Builder::maxAttributes)
                .set("max-session-bytes", p.getMaxSessionBytes(), (b, v) -> b.maxSessionBytes(v.toBytes()))
                .set("max-attribute-name-length", p.getMaxAttributeNameLength(), SessionOptions.Builder::maxAttributeNameLength)
                .build(SessionOptions.Builder::build);
    }

    /**
     * {@code exstate.guard.<backend>.*} over the backend's default policy, or null if none is set.
     *
     * @param backendDefault the backend's own default ({@link GuardPolicy#defaults()} for Redis and etcd)
     */
    public static GuardPolicy guardPolicy(String backend, GuardPolicyProperties p, GuardPolicy backendDefault) {
        Settings<GuardPolicy.Builder> s = Settings.of("exstate.guard." + backend, backendDefault.toBuilder())
                .set("timeout", p.getTimeout(), GuardPolicy.Builder::timeout)
                .set("total-timeout", p.getTotalTimeout(), GuardPolicy.Builder::totalTimeout)
                .set("failure-rate-threshold", p.getFailureRateThreshold(), GuardPolicy.Builder::failureRateThreshold)
                .set("sliding-window-size", p.getSlidingWindowSize(), GuardPolicy.Builder::slidingWindowSize)
                .set("minimum-number-of-calls", p.getMinimumNumberOfCalls(), GuardPolicy.Builder::minimumNumberOfCalls)
                .set("wait-in-open-state", p.getWaitInOpenState(), GuardPolicy.Builder::waitInOpenState)
                .set("permitted-calls-in-half-open-state", p.getPermittedCallsInHalfOpenState(),
                        GuardPolicy.Builder::permittedCallsInHalfOpenState)
                .set("max-concurrent-calls", p.getMaxConcurrentCalls(), GuardPolicy.Builder::maxConcurrentCalls)
                .set("max-wait-for-slot", p.getMaxWaitForSlot(), GuardPolicy.Builder::maxWaitForSlot)
                .set("max-retries", p.getMaxRetries(), GuardPolicy.Builder::maxRetries)
                .set("retry-backoff", p.getRetryBackoff(), GuardPolicy.Builder::retryBackoff)
                .set("max-staleness", p.getMaxStaleness(), GuardPolicy.Builder::maxStaleness);
        if (!isSet(p)) {
            return null;
        }
        return s.build(GuardPolicy.Builder::build);
    }

    /**
     * {@code exstate.scheduler.*} as the runtime's scheduler settings, checked now: the runtime
     * applies them when the scheduler is first used, and a bad value must fail start-up instead.
     */
    public static UnaryOperator<LeasedScheduler.Builder> schedulerSettings(ExstateProperties.Scheduler p) {
        UnaryOperator<LeasedScheduler.Builder> settings = b -> apply(Settings.of("exstate.scheduler", b), p).builder();
        // a throwaway scheduler over no leases, only to let the builder check every value
        Settings<LeasedScheduler.Builder> check = apply(Settings.of("exstate.scheduler", LeasedScheduler.builder(NoLeases.INSTANCE)), p);
        check.build(b -> {
            b.build().close();
            return null;
        });
        return settings;
    }

    private static Settings<LeasedScheduler.Builder> apply(Settings<LeasedScheduler.Builder> s, ExstateProperties.Scheduler p) {
        return s.set("threads", p.getThreads(), LeasedScheduler.Builder::threads, "scheduler threads")
                .set("shutdown-grace", p.getShutdownGrace(), LeasedScheduler.Builder::shutdownGrace, "grace")
                .set("lease-prefix", p.getLeasePrefix(), LeasedScheduler.Builder::leasePrefix, "prefix", "lease name")
                .set("lease-ttl", p.getLeaseTtl(), LeasedScheduler.Builder::leaseTtl)
                .set("lease-renew-every", p.getLeaseRenewEvery(), LeasedScheduler.Builder::leaseRenewEvery);
    }

    private static void guardPolicy(StateRuntime.Builder builder, String group, GuardPolicyProperties p, ExstateBackend backend) {
        GuardPolicy base = backend != null ? backend.defaultGuardPolicy() : GuardPolicy.defaults();
        GuardPolicy policy = guardPolicy(group, p, base);
        if (policy != null) {
            builder.guardPolicy(backend != null ? backend.guardName() : group, policy);
        }
    }

    private static void leases(StateRuntime.Builder builder, ExstateProperties.LeaseBackend chosen,
                               Map<String, ExstateBackend> backends) {
        if (chosen == ExstateProperties.LeaseBackend.MEMORY) {
            return;
        }
        if (chosen != null) {
            String name = chosen.name().toLowerCase(Locale.ROOT);
            ExstateBackend b = backends.get(name);
            if (b == null || b.leases() == null) {
                throw Settings.invalid(LEASE_BACKEND, name, new IllegalArgumentException(name + " is not configured: set "
                        + (chosen == ExstateProperties.LeaseBackend.REDIS ? "exstate.redis.uri" : "exstate.etcd.endpoints")
                        + " (and add its module), or choose another lease backend"));
            }
            builder.leases(b.leases());
            return;
        }
        for (String name : List.of("redis", "etcd")) {
            ExstateBackend b = backends.get(name);
            if (b != null && b.leases() != null) {
                builder.leases(b.leases());
                return;
            }
        }
    }

    /**
     * Blobs live in one place: S3 and the shared directory together fail start-up, before either is
     * contacted, naming {@code exstate.filesystem.root} (the one property that configures the directory).
     */
    static void requireOneBlobBackend(List<String> offering, Object root) {
        if (offering.size() < 2) {
            return;
        }
        IllegalArgumentException why = new IllegalArgumentException("blobs are stored in one place, but "
                + String.join(" and ", offering) + " are both configured as their backend: pick one. Unset "
                + FileSystemSupport.ROOT + " to keep blobs on S3, or exstate.s3.endpoint and exstate.s3.bucket (or "
                + "your S3Options bean) to keep them in the shared directory");
        if (offering.contains(FileSystemSupport.NAME)) {
            throw Settings.invalid(FileSystemSupport.ROOT, root, why);
        }
        throw new IllegalStateException(why.getMessage());
    }

    static Set<StateRuntime.Capability> requiredCapabilities(String value) {
        Set<StateRuntime.Capability> out = EnumSet.noneOf(StateRuntime.Capability.class);
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("false")) {
            return out;
        }
        if (value.trim().equalsIgnoreCase("true")) {
            return EnumSet.allOf(StateRuntime.Capability.class);
        }
        for (String part : value.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            StateRuntime.Capability found = null;
            for (StateRuntime.Capability c : StateRuntime.Capability.values()) {
                if (c.label().equals(name)) {
                    found = c;
                }
            }
            if (found == null) {
                throw Settings.invalid(REQUIRE, value, new IllegalArgumentException(
                        "use true, false or a comma-separated list of sessions, config, leases, blobs"));
            }
            out.add(found);
        }
        return out;
    }

    private static boolean isSet(GuardPolicyProperties p) {
        return p.getTimeout() != null || p.getTotalTimeout() != null || p.getFailureRateThreshold() != null
                || p.getSlidingWindowSize() != null || p.getMinimumNumberOfCalls() != null || p.getWaitInOpenState() != null
                || p.getPermittedCallsInHalfOpenState() != null || p.getMaxConcurrentCalls() != null
                || p.getMaxWaitForSlot() != null || p.getMaxRetries() != null || p.getRetryBackoff() != null
                || p.getMaxStaleness() != null;
    }

    /**
     * A group such as {@code exstate.redis.*} set while that backend is not configured (its address
     * missing, or its module not on the class path) would otherwise leave the capability in memory
     * without a word about why.
     */
    private static void warnAboutUnusedGroups(Environment env, Map<String, ExstateBackend> backends) {
        Iterable<ConfigurationPropertySource> sources = ConfigurationPropertySources.get(env);
        Map<String, String> groups = Map.of(
                "redis", "exstate.redis.uri (or uris) and the module state-redis",
                "etcd", "exstate.etcd.endpoints and the module state-etcd",
                "s3", "exstate.s3.endpoint and exstate.s3.bucket and the module state-objectstore",
                FileSystemSupport.NAME, FileSystemSupport.ROOT + " and the module state-filesystem");
        groups.forEach((name, needs) -> {
            if (backends.containsKey(name)) {
                return;
            }
            ConfigurationPropertyName group = ConfigurationPropertyName.of("exstate." + name);
            for (ConfigurationPropertySource source : sources) {
                if (source.containsDescendantOf(group) == ConfigurationPropertyState.PRESENT) {
                    log.warn("exstate.{}.* properties are set but {} is not configured, so what it would hold stays in "
                            + "this process's memory; it needs {}", name, name, needs);
                    return;
                }
            }
        });
        if (!ClassUtils.isPresent(HIKARI_POOL, RuntimeFactory.class.getClassLoader())) {
            ConfigurationPropertyName group = ConfigurationPropertyName.of(DataSourceBudgetSupport.PREFIX);
            for (ConfigurationPropertySource source : sources) {
                if (source.containsDescendantOf(group) == ConfigurationPropertyState.PRESENT) {
                    log.warn("{}.* properties are set but the module state-hikari is not on the class path, so the "
                            + "DataSource is not on a connection budget: add state-hikari", DataSourceBudgetSupport.PREFIX);
                    return;
                }
            }
        }
    }

    /** The scheduler's builder needs a lease provider; checking its settings needs none. */
    private enum NoLeases implements LeaseProvider {
        INSTANCE;

        @Override
        public Optional<Lease> tryAcquire(String name, LeaseOptions options) {
            throw new UnsupportedOperationException("only used to check scheduler settings");
        }

        @Override
        public void close() {
        }
    }
}
