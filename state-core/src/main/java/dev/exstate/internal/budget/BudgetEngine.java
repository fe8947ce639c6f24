package dev.exstate.internal.budget;

import dev.exstate.budget.BudgetOptions;
import dev.exstate.budget.BudgetStats;
import dev.exstate.budget.ConnectionBudget;
import dev.exstate.budget.PoolSizer;
import dev.exstate.internal.lease.LeaseHandles;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.runtime.ProcessLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Implementation of {@link ConnectionBudget}; see there for the design. Not API.
 *
 * <p>Every decision runs in {@link #cycle()}, on the budget's one thread (or the caller's, in
 * tests), in this order: shrink the pool to the permits still provable, forget lost permits,
 * read the membership (one {@link LeaseProvider#held} call) and join it if this replica has no
 * slot, shrink-then-release any surplus, acquire any deficit (one {@code held} call to find the
 * free permits, then one acquire per permit wanted), grow the pool to what is now provable. The
 * pool size only ever moves down before a permit leaves and up after one arrives.
 */
public final class BudgetEngine implements ConnectionBudget {
    private static final Logger log = LoggerFactory.getLogger(BudgetEngine.class);

    private final LeaseProvider leases;
    private final BudgetOptions options;
    private final PoolSizer pool;
    private final LeaseOptions leaseOptions;
    /** Lease names of the membership slots and of the permits, by index. */
    private final List<String> memberNames;
    private final List<String> permitNames;
    /** A permit with less time than this left no longer counts: the pool shrinks before its deadline. */
    private final long atRiskNanos;
    private final ScheduledThreadPoolExecutor timer;
    /** Permit index to lease; read by {@link #holdsPermitsFor} from any thread. */
    private final ConcurrentSkipListMap<Integer, Lease> permits = new ConcurrentSkipListMap<>();

    // written under this engine's monitor; volatile for stats() and poolSize()
    private volatile int applied;
    private volatile int live;
    private volatile int share;
    private volatile boolean closed;
    private Lease member;
    private int memberSlot = -1;

    public BudgetEngine(LeaseProvider leases, BudgetOptions options, PoolSizer pool) {
        this.leases = Objects.requireNonNull(leases, "leases");
        this.options = Objects.requireNonNull(options, "options");
        this.pool = Objects.requireNonNull(pool, "pool");
        Duration ttl = options.permitTtl();
        this.leaseOptions = LeaseOptions.of(ttl);
        this.atRiskNanos = Math.max(ttl.dividedBy(4).toNanos(), options.pollInterval().toNanos());
        this.memberNames = names(options.maxReplicas(), j -> memberName(options.resource(), j));
        this.permitNames = names(options.connections(), i -> permitName(options.resource(), i));
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "exstate-budget-" + options.resource());
            t.setDaemon(true);
            return t;
        });
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Empties the pool, then polls on the budget's thread. */
    @ProcessLocal("renews this replica's own permits and sizes its own pool: every replica must run it")
    public void start() {
        pool.resize(0);
        long every = options.pollInterval().toNanos();
        timer.scheduleWithFixedDelay(this::cycleLogged, 0, every, TimeUnit.NANOSECONDS);
    }

    private void cycleLogged() {
        try {
            cycle();
        } catch (UnsupportedOperationException e) {
            log.error("connection budget '{}' cannot work on this lease provider and stops; the pool stays at {}: {}",
                    options.resource(), applied, e.getMessage());
            timer.shutdown();
        } catch (RuntimeException e) {
            log.warn("connection budget '{}': rebalancing failed, retrying in {} ms (pool size {}, permits {}): {}",
                    options.resource(), options.pollInterval().toMillis(), applied, permits.size(), e.toString());
        }
    }

    /** One rebalancing step; see the class comment. Throws what the backend or the pool threw. */
    synchronized void cycle() {
        if (closed) {
            return;
        }
        shrinkToProvable();
        permits.values().removeIf(lease -> !lease.isValid());

        Set<String> members = readMembers();
        live = members.size();
        int target = memberSlot < 0 ? 0 : shareOf(options.connections(), Math.max(1, live), rankAmong(members));
        share = target;

        if (permits.size() > target) {
            releaseSurplus(target);
        } else if (permits.size() < target) {
            acquire(target - permits.size());
        }
        int provable = provable();
        if (provable > applied) {
            apply(provable);
        }
    }

    static int shareOf(int connections, int replicas, int rank) {
        return connections / replicas + (rank < connections % replicas ? 1 : 0);
    }

    private void shrinkToProvable() {
        int provable = provable();
        if (applied > provable) {
            apply(provable);
        }
    }

    /** Permits whose local deadline is not near. */
    private int provable() {
        int n = 0;
        for (Lease lease : permits.values()) {
            if (lease.remaining().toNanos() > atRiskNanos) {
                n++;
            }
        }
        return n;
    }

    private void apply(int size) {
        int before = applied;
        if (size < before) {
            // the pool size drops before anything else may happen: applied stays high until the pool confirms
            pool.resize(size);
            applied = size;
        } else {
            applied = size;
            pool.resize(size);
        }
        if (size != before) {
            log.debug("connection budget '{}': pool size {} -> {} ({} permits, share {}, {} replicas)",
                    options.resource(), before, size, permits.size(), share, live);
        }
    }

    private void releaseSurplus(int target) {
        // keep the permits with the most time left; release the others after the pool no longer needs them
        List<Map.Entry<Integer, Lease>> byTimeLeft = new ArrayList<>(permits.entrySet());
        byTimeLeft.sort(Comparator.comparing((Map.Entry<Integer, Lease> e) -> e.getValue().remaining()).reversed());
        int keptProvable = 0;
        for (int i = 0; i < target; i++) {
            if (byTimeLeft.get(i).getValue().remaining().toNanos() > atRiskNanos) {
                keptProvable++;
            }
        }
        if (applied > keptProvable) {
            apply(keptProvable);
        }
        for (Map.Entry<Integer, Lease> e : byTimeLeft.subList(target, byTimeLeft.size())) {
            permits.remove(e.getKey());
            e.getValue().release();
        }
    }

    /** Takes {@code wanted} of the permits the backend shows free, in random order so that joiners spread out. */
    private void acquire(int wanted) {
        Set<String> taken = leases.held(permitNames);
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < permitNames.size(); i++) {
            if (!permits.containsKey(i) && !taken.contains(permitNames.get(i))) {
                free.add(i);
            }
        }
        Collections.shuffle(free, ThreadLocalRandom.current());
        for (int k = 0; k < free.size() && wanted > 0 && !closed; k++) {
            int i = free.get(k);
            Optional<Lease> lease = leases.tryAcquire(permitNames.get(i), leaseOptions);
            if (lease.isPresent()) {
                Lease l = lease.get();
                permits.put(i, l);
                l.onLost(this::wakeUp);
                wanted--;
            }
        }
    }

    /**
     * The live membership slots, this replica's included: one read, then, if this replica has no
     * slot (it is new, or its membership lapsed), an acquire of the lowest slot shown free.
     */
    private Set<String> readMembers() {
        if (member != null && !member.isValid()) {
            member.release();
            member = null;
            memberSlot = -1;
        }
        Set<String> members = leases.held(memberNames);
        if (member == null) {
            join(members);
        } else {
            // valid by its local deadline, which ends before the backend's: live even if the read missed it
            members.add(memberNames.get(memberSlot));
        }
        return members;
    }

    /** The number of live slots below this replica's. */
    private int rankAmong(Set<String> members) {
        int below = 0;
        for (int j = 0; j < memberSlot; j++) {
            if (members.contains(memberNames.get(j))) {
                below++;
            }
        }
        return below;
    }

    /** Takes the lowest free slot, trying the next one if another replica took it first; adds it to {@code members}. */
    private void join(Set<String> members) {
        for (int j = 0; j < memberNames.size() && !closed; j++) {
            String name = memberNames.get(j);
            if (members.contains(name)) {
                continue;
            }
            Optional<Lease> taken = leases.tryAcquire(name, leaseOptions);
            if (taken.isPresent()) {
                member = taken.get();
                memberSlot = j;
                member.onLost(this::wakeUp);
                members.add(name);
                log.info("connection budget '{}': joined as replica slot {}", options.resource(), j);
                return;
            }
            members.add(name); // taken since the read: a live member too
        }
    }

    private void wakeUp() {
        try {
            timer.execute(this::cycleLogged);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * {@code budget.<resource>@<i>}: the permits and members of one budget are one lease family
     * (see the providers' key naming), so on Redis Cluster they share a slot and one read covers them.
     */
    static String permitName(String resource, int i) {
        return "budget." + resource + "@" + i;
    }

    /** {@code budget.<resource>@member.<j>}. */
    static String memberName(String resource, int j) {
        return "budget." + resource + "@member." + j;
    }

    private static List<String> names(int n, IntFunction<String> name) {
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(name.apply(i));
        }
        return List.copyOf(names);
    }

    @Override
    public int poolSize() {
        return applied;
    }

    @Override
    public boolean holdsPermitsFor(int connections) {
        if (connections <= 0) {
            return true;
        }
        int valid = 0;
        for (Lease lease : permits.values()) {
            if (lease.isValid() && ++valid >= connections) {
                return true;
            }
        }
        return false;
    }

    @Override
    public BudgetStats stats() {
        int size = applied;
        List<Duration> left = new ArrayList<>();
        for (Lease lease : permits.values()) {
            left.add(lease.remaining());
        }
        left.sort(Comparator.reverseOrder());
        Duration provableFor = size == 0 || left.size() < size ? Duration.ZERO : left.get(size - 1);
        return new BudgetStats(options.resource(), options.connections(), live, share, left.size(), size, provableFor);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                apply(0);
                permits.values().forEach(Lease::release);
            } catch (RuntimeException e) {
                // the pool may still hold connections: let the permits expire instead of freeing them now
                log.warn("connection budget '{}': could not empty the pool on close ({}); its {} permits expire within {}"
                        + " instead of being released", options.resource(), e.toString(), permits.size(), options.permitTtl());
                permits.values().forEach(LeaseHandles::detach);
            }
            permits.clear();
            if (member != null) {
                member.release();
                member = null;
            }
        }
    }

    /** For tests: stops like a killed process, releasing nothing; the leases expire in the backend. */
    synchronized void abandon() {
        timer.shutdownNow();
        closed = true;
        permits.values().forEach(LeaseHandles::detach);
        if (member != null) {
            LeaseHandles.detach(member);
        }
    }

    @Override
    public String toString() {
        return "ConnectionBudget[" + stats() + "]";
    }
}
