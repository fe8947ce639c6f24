package dev.exstate.bench.redis;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.redis.RedisDurability;
import dev.exstate.redis.RedisLeaseProvider;
import dev.exstate.redis.RedisOptions;
import dev.exstate.redis.RedisSessionStore;
import dev.exstate.redis.RedisState;
import dev.exstate.session.Session;
import dev.exstate.session.SessionOptions;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.backend.RespConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * What replicated durability costs: a session save and a lease acquire + release with the default
 * durability ({@code async}: acknowledged once the master applied the write) beside
 * {@code replicas(1)} (the write and a {@code WAIT 1} on a dedicated connection, acknowledged once
 * the replica has it), one thread, average time. The fork starts its own master and one replica
 * ({@code redis-server --replicaof}) on loopback, without RDB snapshots.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@State(Scope.Benchmark)
public class RedisDurabilityBenchmarks {
    private static final LeaseOptions LEASE = LeaseOptions.builder(Duration.ofSeconds(30)).autoRenew(false).build();

    @Param({"async", "replicas1"})
    public String durability;

    private RedisServer master;
    private RedisServer replica;
    private RedisState state;
    private RedisSessionStore sessions;
    private RedisLeaseProvider leases;
    private Session session;
    private final AtomicInteger counter = new AtomicInteger();

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
        master = RedisServer.builder().arg("--save", "").start();
        replica = RedisServer.builder().arg("--save", "").arg("--replicaof", master.host(), Integer.toString(master.port())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!((String) replica.call("INFO", "replication")).contains("master_link_status:up")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the replica did not sync with the master within 30 s");
            }
            Thread.sleep(20);
        }
        RedisDurability d = durability.equals("async") ? RedisDurability.async() : RedisDurability.replicas(1);
        state = RedisState.connect(RedisOptions.standalone(master.uri()).appName("bench")
                .sessionDurability(d).leaseDurability(d)
                // a slow machine must not turn into errors: the figures are latencies, not failures
                .guardPolicy(GuardPolicy.defaults().toBuilder().timeout(Duration.ofSeconds(5)).totalTimeout(Duration.ofSeconds(10)).build())
                .build());
        sessions = state.sessionStore(SessionOptions.defaults());
        leases = state.leaseProvider();
        session = sessions.create(s -> s.putString("user", "alice"));
    }

    @TearDown(Level.Trial)
    public void stop() {
        try (RespConnection conn = master.connect()) {
            // the replica kept up with the whole trial (replicas1 promises it for every write)
            System.out.println("[durability-bench] " + durability + ": replicas in sync after the trial: "
                    + conn.call("WAIT", "1", "5000"));
        }
        sessions.close();
        leases.close();
        state.close();
        replica.close();
        master.close();
    }

    /** Put one attribute and save: one EVALSHA (async), or EVALSHA + WAIT 1 on a dedicated connection (replicas1). */
    @Benchmark
    public Session save() {
        session.putString("cart", Integer.toString(counter.incrementAndGet()));
        sessions.save(session);
        return session;
    }

    /** tryAcquire then release: two EVALSHAs (async), each with a WAIT 1 (replicas1). */
    @Benchmark
    public long leaseAcquireRelease() {
        Lease lease = leases.tryAcquire("report", LEASE).orElseThrow(() -> new IllegalStateException("lease not free"));
        long token = lease.fencingToken();
        lease.close();
        return token;
    }
}
