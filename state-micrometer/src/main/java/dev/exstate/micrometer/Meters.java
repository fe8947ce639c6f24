package dev.exstate.micrometer;

import dev.exstate.blob.BlobStats;
import dev.exstate.blob.BlobStore;
import dev.exstate.budget.BudgetStats;
import dev.exstate.budget.ConnectionBudget;
import dev.exstate.cache.NearCache;
import dev.exstate.cache.NearCacheStats;
import dev.exstate.config.ConfigSource;
import dev.exstate.guard.Guard;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.lease.SchedulerStats;
import dev.exstate.session.SessionStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The meters of one {@link ExstateMetrics} in one registry: registers them for each part once.
 * Gauges and function counters read the part's own stats when the registry is scraped; the
 * registry holds each part weakly, as Micrometer does, so a meter of a part that is gone reads NaN.
 */
final class Meters {
    static final String BACKEND = "backend";
    static final String OPERATION = "operation";
    static final String OUTCOME = "outcome";
    static final String REASON = "reason";
    static final String STATE = "state";
    static final String CACHE = "cache";
    static final String RESULT = "result";
    static final String DIRECTION = "direction";
    static final String RESOURCE = "resource";
    static final Set<String> OWN_TAG_KEYS = Set.of(ExstateMetrics.APP_TAG, BACKEND, OPERATION, OUTCOME, REASON, STATE,
            CACHE, RESULT, DIRECTION, RESOURCE);

    /** The tag value of the session store's near cache. */
    static final String SESSIONS_CACHE = "sessions";

    private final MeterRegistry registry;
    private final Tags tags;
    private final Set<Object> done = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    Meters(MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.tags = tags;
    }

    /** Registers the meters of {@code part}, once; parts with nothing to measure are ignored. */
    void bind(Object part) {
        if (!done.add(part)) {
            return;
        }
        if (part instanceof Guard g) {
            guard(g);
        } else if (part instanceof NearCache<?, ?> c) {
            nearCache(c.name(), c, NearCache::stats);
        } else if (part instanceof SessionStore s) {
            if (s.nearCacheStats().isPresent()) {
                nearCache(SESSIONS_CACHE, s, store -> store.nearCacheStats().orElse(null));
            }
        } else if (part instanceof LeasedScheduler s) {
            scheduler(s);
        } else if (part instanceof ConfigSource c) {
            config(c);
        } else if (part instanceof BlobStore b) {
            if (b.stats().isPresent()) {
                blobs(b);
            }
        } else if (part instanceof ConnectionBudget b) {
            budget(b);
        }
        // a LeaseProvider keeps no stats of its own: the scheduler's cover the leases it uses
    }

    // -----------------------------------------------------------------------------------------
    // guards

    private void guard(Guard guard) {
        Tags backend = tags.and(BACKEND, guard.backend());
        for (String state : new String[] {"closed", "half_open", "open"}) {
            Gauge.builder("exstate.guard.breaker.state", guard, g -> breakerState(g).equals(state) ? 1 : 0)
                    .tags(backend).tag(STATE, state)
                    .description("1 for the circuit breaker's current state, 0 for the others")
                    .register(registry);
        }
        FunctionCounter.builder("exstate.guard.timeouts", guard, g -> g.stats().timeouts())
                .tags(backend)
                .description("Attempts that ran out of time (per-attempt or total timeout); a retried call may count several")
                .register(registry);
        FunctionCounter.builder("exstate.guard.hedges", guard, g -> g.stats().hedges())
                .tags(backend).tag(RESULT, "sent")
                .description("Second attempts sent for slow reads (sent), and those that answered first (won)")
                .register(registry);
        FunctionCounter.builder("exstate.guard.hedges", guard, g -> g.stats().hedgeWins())
                .tags(backend).tag(RESULT, "won")
                .description("Second attempts sent for slow reads (sent), and those that answered first (won)")
                .register(registry);
        guard.addObserver(new GuardMeters(registry, backend));
    }

    /** closed, half_open or open (forced open counts as open). */
    private static String breakerState(Guard g) {
        return switch (g.stats().breakerState()) {
            case "HALF_OPEN" -> "half_open";
            case "OPEN", "FORCED_OPEN" -> "open";
            default -> "closed";
        };
    }

    // -----------------------------------------------------------------------------------------
    // near caches

    private <T> void nearCache(String name, T owner, Function<T, NearCacheStats> stats) {
        Tags cache = tags.and(CACHE, name);
        count("exstate.nearcache.gets", owner, stats, NearCacheStats::hits, cache.and(RESULT, "hit"),
                "Reads answered from the near cache as fresh (hit), that went to the backend (miss), "
                        + "or served stale while the backend failed (stale)");
        count("exstate.nearcache.gets", owner, stats, NearCacheStats::misses, cache.and(RESULT, "miss"), null);
        count("exstate.nearcache.gets", owner, stats, NearCacheStats::staleServed, cache.and(RESULT, "stale"), null);
        count("exstate.nearcache.invalidations", owner, stats, NearCacheStats::invalidations, cache,
                "Entries dropped because the backend said they changed");
        count("exstate.nearcache.evictions", owner, stats, NearCacheStats::evictions, cache,
                "Entries dropped by the size bound or by expiry");
        gauge("exstate.nearcache.size", owner, stats, NearCacheStats::size, cache, "Entries held, fresh or not");
        gauge("exstate.nearcache.connected", owner, stats, s -> s.connected() ? 1 : 0, cache,
                "1 while the invalidation channel is connected");
        gauge("exstate.nearcache.verified", owner, stats, s -> s.verified() ? 1 : 0, cache,
                "1 while cached entries are served as fresh (channel connected and heard from recently)");
    }

    // -----------------------------------------------------------------------------------------
    // scheduler

    private void scheduler(LeasedScheduler scheduler) {
        Function<LeasedScheduler, SchedulerStats> stats = LeasedScheduler::stats;
        String ticks = "exstate.scheduler.ticks";
        count(ticks, scheduler, stats, SchedulerStats::runsCompleted, tags.and(RESULT, "run"),
                "Tries of a job's tick on this replica: run (returned), failed (threw or lost its lease), "
                        + "skipped (another replica ran it or held the lease), claim_failed (lease backend failed)");
        count(ticks, scheduler, stats, SchedulerStats::runsFailed, tags.and(RESULT, "failed"), null);
        count(ticks, scheduler, stats, SchedulerStats::ticksSkipped, tags.and(RESULT, "skipped"), null);
        count(ticks, scheduler, stats, SchedulerStats::claimFailures, tags.and(RESULT, "claim_failed"), null);
        count("exstate.scheduler.leases.lost", scheduler, stats, SchedulerStats::leasesLost, tags,
                "Job leases lost while the job ran (the job was interrupted)");
        gauge("exstate.scheduler.leases.held", scheduler, stats, SchedulerStats::leasesHeld, tags,
                "Jobs running on this replica, each holding its job's lease");
    }

    // -----------------------------------------------------------------------------------------
    // config

    private void config(ConfigSource source) {
        Gauge.builder("exstate.config.revision", source, s -> s.isLoaded() ? s.current().revision() : Double.NaN)
                .tags(tags)
                .description("Revision of the config snapshot in force (NaN until the first is loaded)")
                .register(registry);
        FunctionCounter.builder("exstate.config.rejections", source, ConfigSource::rejectedSnapshots)
                .tags(tags)
                .description("Config snapshots refused (by the validator, or unusable); the last good one stayed in force")
                .register(registry);
    }

    // -----------------------------------------------------------------------------------------
    // blobs

    private void blobs(BlobStore store) {
        Function<BlobStore, BlobStats> stats = b -> b.stats().orElse(null);
        FunctionCounter.builder("exstate.blob.bytes", store, b -> value(stats, b, BlobStats::bytesUploaded))
                .tags(tags).tag(DIRECTION, "upload").baseUnit("bytes")
                .description("Content bytes of successful puts (upload) and read by callers from blobs (download)")
                .register(registry);
        FunctionCounter.builder("exstate.blob.bytes", store, b -> value(stats, b, BlobStats::bytesDownloaded))
                .tags(tags).tag(DIRECTION, "download").baseUnit("bytes")
                .register(registry);
    }

    // -----------------------------------------------------------------------------------------
    // connection budgets

    private void budget(ConnectionBudget budget) {
        Function<ConnectionBudget, BudgetStats> stats = ConnectionBudget::stats;
        Tags resource = tags.and(RESOURCE, budget.stats().resource());
        gauge("exstate.budget.pool.size", budget, stats, BudgetStats::poolSize, resource,
                "Connections this replica's pool may hold now: the size last applied, covered by permits it holds");
        gauge("exstate.budget.share", budget, stats, BudgetStats::share, resource,
                "Connections this replica aims for: the limit divided among the live replicas (0 beyond the limit)");
        gauge("exstate.budget.permits", budget, stats, BudgetStats::permits, resource,
                "Permits (one per connection) this replica holds now");
        gauge("exstate.budget.replicas", budget, stats, BudgetStats::liveReplicas, resource,
                "Replicas sharing the budget, as this replica saw at its last poll");
        gauge("exstate.budget.connections", budget, stats, BudgetStats::connections, resource,
                "The cluster-wide limit of connections, for all replicas together");
    }

    // -----------------------------------------------------------------------------------------

    private <T, S> void count(String name, T owner, Function<T, S> stats, ToLongFunction<S> field, Tags meterTags,
                              String description) {
        FunctionCounter.builder(name, owner, o -> value(stats, o, field))
                .tags(meterTags)
                .description(description)
                .register(registry);
    }

    private <T, S> void gauge(String name, T owner, Function<T, S> stats, ToLongFunction<S> field, Tags meterTags,
                              String description) {
        ToDoubleFunction<T> read = o -> value(stats, o, field);
        Gauge.builder(name, owner, read)
                .tags(meterTags)
                .description(description)
                .register(registry);
    }

    private static <T, S> double value(Function<T, S> stats, T owner, ToLongFunction<S> field) {
        S s = stats.apply(owner);
        return s == null ? Double.NaN : field.applyAsLong(s);
    }
}
