package dev.exstate.micrometer;

import dev.exstate.blob.BlobStore;
import dev.exstate.budget.ConnectionBudget;
import dev.exstate.cache.NearCache;
import dev.exstate.config.ConfigSource;
import dev.exstate.guard.Guard;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.SessionStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Micrometer meters for exstate: every guarded call (a timer by backend, operation and outcome),
 * retries, timeouts, breaker state and rejections; near-cache gets, invalidations, evictions and
 * size; scheduler ticks and leases; the config revision and rejected snapshots; blob bytes; and,
 * for each {@link ConnectionBudget} given to {@link Builder#budget}, its pool size, share, permits,
 * replicas and limit. The meters and their tags are listed in this module's README; every one carries the tag
 * {@code app} (the runtime's app name) and any tags given to {@link Builder#tags}.
 *
 * <p>The usual way, with or without Spring:
 * <pre>{@code
 * new ExstateMetrics(runtime).bindTo(registry);
 * }</pre>
 * covers every guard, the session store's near cache, the config source, the blob store and the
 * scheduler of the runtime: those built already, and each one the runtime builds later (through
 * {@link StateRuntime#onBuilt}). Nothing is built for metrics' sake: a capability the service
 * never uses gets no meters. Parts made outside a runtime are added with {@link #builder}.
 *
 * <p>Cost: with no binder bound a guard does no extra work per call; once bound, a call records
 * one timer sample (looked up without allocating after the first call of its operation and
 * outcome). Every other meter reads the stats snapshots exstate keeps anyway, when the registry
 * is scraped. Operation names become tag values: they are fixed in code by exstate's providers,
 * and must stay a small set in a guard used directly.
 *
 * <p>Thread-safe. Binding the same registry twice does nothing the second time.
 */
public final class ExstateMetrics implements MeterBinder {
    /** The tag every meter carries, holding the app name. */
    public static final String APP_TAG = "app";
    private static final Pattern APP_NAME = Pattern.compile("\\S.*");

    private final Tags tags;
    private final StateRuntime runtime;
    private final List<Object> parts;
    private final Set<MeterRegistry> bound = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Meters for everything {@code runtime} has and will build, tagged {@code app=<runtime.appName()>}. */
    public ExstateMetrics(StateRuntime runtime) {
        this(builder(Objects.requireNonNull(runtime, "runtime").appName()).runtime(runtime));
    }

    private ExstateMetrics(Builder b) {
        this.tags = Tags.of(APP_TAG, b.appName).and(b.tags);
        this.runtime = b.runtime;
        this.parts = List.copyOf(b.parts);
    }

    /**
     * A binder for parts given one by one (guards, near caches, a scheduler, a config source, a
     * session or blob store), a runtime, or both; {@code appName} is the value of the {@code app}
     * tag.
     *
     * @throws IllegalArgumentException if {@code appName} is blank
     */
    public static Builder builder(String appName) {
        return new Builder(appName);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (bound) {
            if (!bound.add(registry)) {
                return;
            }
        }
        Meters meters = new Meters(registry, tags);
        parts.forEach(meters::bind);
        if (runtime != null) {
            runtime.onBuilt(meters::bind);
        }
    }

    @Override
    public String toString() {
        return "ExstateMetrics" + tags.stream().map(t -> t.getKey() + "=" + t.getValue()).toList();
    }

    /** Builder for {@link ExstateMetrics}. Not thread-safe. */
    public static final class Builder {
        private final String appName;
        private final List<Tag> tags = new ArrayList<>();
        private final List<Object> parts = new ArrayList<>();
        private StateRuntime runtime;

        private Builder(String appName) {
            if (appName == null || !APP_NAME.matcher(appName).matches()) {
                throw new IllegalArgumentException("app name must not be blank, was "
                        + (appName == null ? "null" : "'" + appName + "'"));
            }
            this.appName = appName;
        }

        /** Every part {@code runtime} has built and will build. */
        public Builder runtime(StateRuntime runtime) {
            if (this.runtime != null) {
                throw new IllegalArgumentException("runtime already set to " + this.runtime + "; one binder per runtime");
            }
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /** Calls, retries, timeouts, rejections and breaker state of {@code guard}, tagged with its backend. */
        public Builder guard(Guard guard) {
            parts.add(Objects.requireNonNull(guard, "guard"));
            return this;
        }

        /** Gets, invalidations, evictions and size of {@code cache}, tagged {@code cache=<its name>}. */
        public Builder nearCache(NearCache<?, ?> cache) {
            parts.add(Objects.requireNonNull(cache, "cache"));
            return this;
        }

        /** The near cache of {@code store}, if it keeps one, tagged {@code cache=sessions}. */
        public Builder sessions(SessionStore store) {
            parts.add(Objects.requireNonNull(store, "store"));
            return this;
        }

        /** Ticks and leases of {@code scheduler}. */
        public Builder scheduler(LeasedScheduler scheduler) {
            parts.add(Objects.requireNonNull(scheduler, "scheduler"));
            return this;
        }

        /** Revision and rejected snapshots of {@code source}. */
        public Builder config(ConfigSource source) {
            parts.add(Objects.requireNonNull(source, "source"));
            return this;
        }

        /** Bytes moved by {@code store}, if it counts them. */
        public Builder blobs(BlobStore store) {
            parts.add(Objects.requireNonNull(store, "store"));
            return this;
        }

        /**
         * Gauges of {@code budget}, tagged {@code resource=<its resource>}: this replica's pool size,
         * share and permits, the live replicas it sees and the cluster-wide limit. They read
         * {@link ConnectionBudget#stats()}, which calls no backend. A budget is not part of a
         * runtime, so it is given here: {@code builder(app).runtime(runtime).budget(pool.budget())}.
         */
        public Builder budget(ConnectionBudget budget) {
            parts.add(Objects.requireNonNull(budget, "budget"));
            return this;
        }

        /**
         * Tags added to every meter, e.g. {@code Tags.of("region", "eu-1")}. Keys used by the
         * meters themselves ({@code app}, {@code backend}, ...) are refused.
         *
         * @throws IllegalArgumentException naming the key, if a tag would replace one of the meters' own
         */
        public Builder tags(Iterable<Tag> extra) {
            for (Tag t : Objects.requireNonNull(extra, "extra")) {
                if (Meters.OWN_TAG_KEYS.contains(t.getKey())) {
                    throw new IllegalArgumentException("tag key '" + t.getKey() + "' is one the exstate meters set "
                            + "themselves " + Meters.OWN_TAG_KEYS + "; pick another key");
                }
                tags.add(t);
            }
            return this;
        }

        public ExstateMetrics build() {
            return new ExstateMetrics(this);
        }
    }
}
