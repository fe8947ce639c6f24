package dev.exstate.spring.boot.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.exstate.budget.BudgetOptions;
import dev.exstate.hikari.BudgetedHikariPool;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.spring.boot.ExstateProperties;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * {@code exstate.datasource-budget.*} to {@link BudgetOptions}, Boot's {@code spring.datasource.*}
 * to a {@link HikariConfig}, and the {@link BudgetedHikariPool} made of both on the runtime's leases.
 * Every value is checked by the builder or the binder it goes to; a refused one fails start-up
 * naming its property.
 */
public final class DataSourceBudgetSupport {
    public static final String PREFIX = "exstate.datasource-budget";
    public static final String CONNECTIONS = PREFIX + ".connections";
    static final String RESOURCE = PREFIX + ".resource";
    static final String DATASOURCE = "spring.datasource";
    static final String URL = DATASOURCE + ".url";
    static final String HIKARI = DATASOURCE + ".hikari";
    private static final Logger log = LoggerFactory.getLogger(DataSourceBudgetSupport.class);

    private DataSourceBudgetSupport() {
    }

    /** The resource when {@code exstate.datasource-budget.resource} is unset: {@code <app>-db}. */
    public static String defaultResource(String appName) {
        return appName + "-db";
    }

    /**
     * The budget's options, through {@link BudgetOptions}' builder.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *         naming the property the builder refused
     */
    public static BudgetOptions options(ExstateProperties.DataSourceBudget p, String appName) {
        String resource = p.getResource() != null ? p.getResource() : defaultResource(appName);
        Integer connections = p.getConnections();
        if (connections == null) {
            throw Settings.invalid(CONNECTIONS, null, new IllegalArgumentException(
                    "the cluster-wide number of connections is required, 1 to " + BudgetOptions.MAX_CONNECTIONS));
        }
        BudgetOptions.Builder builder;
        try {
            builder = BudgetOptions.builder(resource, connections);
        } catch (IllegalArgumentException e) {
            // the builder checks the resource first, then the count
            if (String.valueOf(e.getMessage()).startsWith("connections")) {
                throw Settings.invalid(CONNECTIONS, connections, e);
            }
            throw Settings.invalid(RESOURCE, resource, e);
        }
        Settings<BudgetOptions.Builder> s = Settings.of(PREFIX, builder)
                .set("max-replicas", p.getMaxReplicas(), BudgetOptions.Builder::maxReplicas);
        // each setter checks the TTL against the poll interval set so far: set them in the order that
        // accepts every pair that is valid together
        Duration defaultTtl = builder.build().permitTtl();
        Duration poll = p.getPollInterval();
        if (poll != null && poll.compareTo(defaultTtl.dividedBy(3)) < 0) {
            s.set("poll-interval", poll, BudgetOptions.Builder::pollInterval)
                    .set("permit-ttl", p.getPermitTtl(), BudgetOptions.Builder::permitTtl);
        } else {
            s.set("permit-ttl", p.getPermitTtl(), BudgetOptions.Builder::permitTtl)
                    .set("poll-interval", poll, BudgetOptions.Builder::pollInterval);
        }
        return s.build(BudgetOptions.Builder::build);
    }

    /**
     * Boot's JDBC settings as a {@link HikariConfig}: {@code spring.datasource.url}, {@code username},
     * {@code password} and {@code driver-class-name}, then {@code spring.datasource.hikari.*} bound
     * onto it (so, as in Boot, a {@code hikari.*} value wins). {@code maximum-pool-size} and
     * {@code minimum-idle} are ignored with a warning: the budget sizes the pool. The pool is named
     * after the resource unless {@code hikari.pool-name} is set.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *         if no JDBC URL is set, {@code spring.datasource.type} names another pool, or a driver
     *         class cannot be loaded
     * @throws org.springframework.boot.context.properties.bind.BindException naming a
     *         {@code spring.datasource.hikari.*} property that does not bind
     */
    public static HikariConfig hikariConfig(Environment env, String resource) {
        Binder binder = Binder.get(env);
        binder.bind(DATASOURCE + ".type", String.class).ifBound(type -> {
            if (!type.equals(HikariDataSource.class.getName())) {
                throw Settings.invalid(DATASOURCE + ".type", type, new IllegalArgumentException("with " + CONNECTIONS
                        + " set, the DataSource is a HikariCP pool on the connection budget: remove spring.datasource.type "
                        + "or set it to " + HikariDataSource.class.getName()));
            }
        });
        HikariConfig config = new HikariConfig();
        bindString(binder, URL, config::setJdbcUrl);
        bindString(binder, DATASOURCE + ".username", config::setUsername);
        bindString(binder, DATASOURCE + ".password", config::setPassword);
        String driver = DATASOURCE + ".driver-class-name";
        bindString(binder, driver, v -> {
            try {
                config.setDriverClassName(v);
            } catch (RuntimeException e) {
                throw Settings.invalid(driver, v, e);
            }
        });
        binder.bind(HIKARI, Bindable.ofInstance(config));
        for (String ignored : List.of("maximum-pool-size", "minimum-idle")) {
            if (binder.bind(HIKARI + "." + ignored, String.class).isBound()) {
                log.warn("{}.{} is ignored: with {} set, the connection budget '{}' sizes the pool (to this replica's share) "
                        + "and connections open on demand", HIKARI, ignored, CONNECTIONS, resource);
            }
        }
        if (config.getJdbcUrl() == null || config.getJdbcUrl().isBlank()) {
            throw Settings.invalid(URL, null, new IllegalArgumentException("the budgeted DataSource needs the database's "
                    + "JDBC URL: set " + URL + " (or " + HIKARI + ".jdbc-url); a data-source-class-name alone is not supported"));
        }
        if (config.getPoolName() == null) {
            config.setPoolName(resource);
        }
        return config;
    }

    private static void bindString(Binder binder, String name, Consumer<String> setter) {
        binder.bind(name, String.class).ifBound(setter);
    }

    /**
     * Starts the pool on the runtime's lease provider; it joins the budget and returns before its
     * first share arrives. Logs each pool size this replica takes.
     */
    public static BudgetedHikariPool start(ExstateProperties.DataSourceBudget p, Environment env, StateRuntime runtime) {
        BudgetOptions options = options(p, runtime.appName());
        HikariConfig config = hikariConfig(env, options.resource());
        BudgetedHikariPool pool;
        try {
            pool = BudgetedHikariPool.start(config, runtime.leases(), options, size -> log.info(
                    "connection budget '{}': this replica's pool size is now {} (of {} for all replicas)",
                    options.resource(), size, options.connections()));
        } catch (IllegalArgumentException e) {
            throw Settings.invalid(HIKARI, null, e);
        }
        log.info("DataSource on the connection budget '{}': {} connections shared by every replica of '{}' (permit TTL {}, "
                        + "poll {}, at most {} replicas)", options.resource(), options.connections(), runtime.appName(),
                options.permitTtl(), options.pollInterval(), options.maxReplicas());
        return pool;
    }
}
