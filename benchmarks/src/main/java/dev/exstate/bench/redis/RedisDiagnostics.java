package dev.exstate.bench.redis;

import dev.exstate.guard.Operation;
import dev.exstate.lease.Lease;
import dev.exstate.lease.LeaseOptions;
import dev.exstate.session.Session;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Not a comparison but a decomposition: steps between the raw clients and exstate, one thread,
 * to explain where the time of {@link RedisBenchmarks} goes. Same fixture as the main run.
 */
@Threads(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class RedisDiagnostics {
    private static final Operation OP = Operation.idempotent("bench.raw");
    private static final CompletableFuture<String> DONE = CompletableFuture.completedFuture("v");
    private static final LeaseOptions NO_RENEW = LeaseOptions.builder(RedisBenchmarks.LEASE_TTL).autoRenew(false).build();

    /** Caffeine holding encoded bytes (as the near cache does), plus the UTF-8 decode of one attribute. */
    @Benchmark
    public String hit_raw_caffeine_bytes_decode(RedisBenchmarks.PerThread t) {
        Map<String, byte[]> m = t.backend.caffeineBytes.getIfPresent(t.readId);
        return new String(m.get(RedisBenchmarks.USER), StandardCharsets.UTF_8);
    }

    /** The guard alone, around an already completed future: its fixed cost per call. */
    @Benchmark
    public String guard_await_completed(RedisBenchmarks.PerThread t) {
        return t.backend.rawGuard.await(OP, () -> DONE);
    }

    /** Raw Lettuce HGETALL, but through a guard with the default policy (no Lua, no parse). */
    @Benchmark
    public String miss_guarded_raw_hgetall(RedisBenchmarks.PerThread t) {
        Map<String, byte[]> all = t.backend.rawGuard.await(OP, () -> t.backend.async.hgetall(t.readKey));
        return new String(all.get(t.userField), StandardCharsets.UTF_8);
    }

    /** Raw Lettuce HGETALL on the async API awaited with get(): the same await style as the guard. */
    @Benchmark
    public String miss_raw_async_hgetall_get(RedisBenchmarks.PerThread t) throws Exception {
        Map<String, byte[]> all = t.backend.async.hgetall(t.readKey).get(2, TimeUnit.SECONDS);
        return new String(all.get(t.userField), StandardCharsets.UTF_8);
    }

    /**
     * exstate save through the store whose near cache is off: its connection has no client
     * tracking, so no invalidation push follows each save (the main run saves through the
     * default store, near cache on).
     */
    @Benchmark
    public Session write_exstate_put_save_noNearCache(RedisBenchmarks.PerThread t) {
        Session s = t.writeSession;
        s.putString(RedisBenchmarks.CART, t.nextCart());
        t.backend.uncached.save(s);
        return s;
    }

    /** exstate lease acquire + release without background renewal (no renewal task is scheduled). */
    @Benchmark
    public long lease_exstate_acquire_release_noRenew(RedisBenchmarks.PerThread t) {
        Lease lease = t.backend.leases.tryAcquire(t.leaseName, NO_RENEW).orElseThrow();
        long token = lease.fencingToken();
        lease.close();
        return token;
    }
}
