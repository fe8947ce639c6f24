package dev.exstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.StateTimeoutException;
import dev.exstate.health.BackendHealth;
import dev.exstate.lease.Lease;
import dev.exstate.session.Session;
import dev.exstate.session.SessionNotFoundException;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.backend.RespConnection;
import dev.exstate.testkit.fault.FaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replicated durability ({@link RedisDurability#replicas(int)}) on a master with one replica,
 * and what a failover does to fencing tokens when the replica missed the last writes. The
 * replica's link is cut by pausing it or by a fault proxy; the failover is done by hand
 * ({@code REPLICAOF NO ONE}), so every step is deterministic.
 */
@DisplayName("Redis writes that wait for replicas, and fencing tokens across a lossy failover")
class RedisDurabilityIT {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /**
     * A write the replica cannot confirm fails within 2 s: its WAIT gets 80% of the attempt (1.6 s),
     * leaving 0.4 s for the answer to arrive before the guard gives up on a busy machine.
     */
    private static final GuardPolicy SHORT = GuardPolicy.defaults().toBuilder()
            .timeout(Duration.ofSeconds(2)).totalTimeout(Duration.ofSeconds(4)).build();

    @RegisterExtension
    static final RedisFixture<RedisServer> fixture = RedisFixture.faults("durable");

    private RedisServer master() {
        return fixture.closeAfter(RedisServer.builder().start());
    }

    /** A replica of {@code host:port} (the master, or a proxy in front of it), synced when this returns. */
    private RedisServer replicaOf(String host, int port) {
        RedisServer replica = fixture.closeAfter(RedisServer.builder().arg("--replicaof", host, Integer.toString(port)).start());
        await().atMost(PATIENCE).until(() -> ((String) replica.call("INFO", "replication")).contains("master_link_status:up"));
        return replica;
    }

    private RedisOptions.Builder options(RedisServer master, GuardPolicy policy) {
        return fixture.options(master.uri()).guardPolicy(policy);
    }

    private static long clients(RedisServer server) {
        String info = (String) server.call("INFO", "clients");
        for (String line : info.split("\\r?\\n")) {
            if (line.startsWith("connected_clients:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no connected_clients in " + info);
    }

    @Test
    @DisplayName("with replicas(1) a session or lease write returns only once the replica holds it")
    void writeReturnsOnceTheReplicaHoldsIt() {
        RedisServer master = master();
        RedisServer replica = replicaOf(master.host(), master.port());
        RedisState state = fixture.state(options(master, RedisTesting.PATIENT)
                .sessionDurability(RedisDurability.replicas(1)).leaseDurability(RedisDurability.replicas(1)).build());
        RedisSessionStore store = fixture.sessions(state);
        RedisLeaseProvider leases = fixture.leases(state);

        for (int i = 0; i < 20; i++) {
            Session s = store.create(n -> n.putString("user", "alice"));
            // no wait: the write's return is the promise
            assertThat(replica.call("HEXISTS", fixture.keys().session(s.id()), "a:user")).as("session %d on the replica", i).isEqualTo(1L);
            s.putString("user", "bob");
            store.save(s);
            assertThat(replica.call("HGET", fixture.keys().session(s.id()), "a:user")).isNotNull()
                    .isEqualTo(master.call("HGET", fixture.keys().session(s.id()), "a:user"));
        }
        Lease lease = leases.tryAcquire("report", Duration.ofSeconds(10)).orElseThrow();
        String holder = (String) replica.call("GET", fixture.keys().lease("report"));
        assertThat(holder).endsWith(":" + lease.fencingToken());
        lease.release();
        assertThat(replica.call("EXISTS", fixture.keys().lease("report"))).isEqualTo(0L);
    }

    @Test
    @DisplayName("the default writes open no extra connection; writes that wait use at most durableConnections more")
    void waitingWritesUseABoundedPoolOfTheirOwn() throws Exception {
        RedisServer master = master();
        replicaOf(master.host(), master.port());
        long idle = clients(master);
        RedisSessionStore plain = fixture.sessions(fixture.state(options(master, RedisTesting.PATIENT).build()));
        for (int i = 0; i < 20; i++) {
            plain.create(n -> n.putString("k", "v"));
        }
        long plainConnections = clients(master) - idle;
        assertThat(plainConnections).as("connections of a replica with async durability").isEqualTo(1);

        RedisSessionStore durable = fixture.sessions(fixture.state(options(master, RedisTesting.PATIENT)
                .sessionDurability(RedisDurability.replicas(1)).durableConnections(2).build()));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                writes.add(pool.submit(() -> durable.create(n -> n.putString("k", "v"))));
            }
            for (Future<?> w : writes) {
                w.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(clients(master) - idle - plainConnections).as("connections of a replica with replicas(1), durableConnections(2)")
                .isBetween(2L, 3L);
    }

    @Test
    @DisplayName("a write the replica does not confirm in time fails as outcome unknown, while reads, refused writes and readiness carry on")
    void unconfirmedWriteIsOutcomeUnknown() {
        RedisServer master = master();
        RedisServer replica = replicaOf(master.host(), master.port());
        RedisState state = fixture.state(options(master, SHORT)
                .sessionDurability(RedisDurability.replicas(1)).leaseDurability(RedisDurability.replicas(1)).build());
        RedisSessionStore store = fixture.sessions(state);
        RedisLeaseProvider leases = fixture.leases(state);
        Session s = store.create(n -> n.putString("user", "alice"));
        Session gone = store.create();
        store.invalidate(gone.id());
        // the scripts are cached on the master now; a first EVALSHA answered NOSCRIPT would wait twice
        s.putString("user", "ann");
        store.save(s);
        leases.tryAcquire("warm-up", Duration.ofSeconds(10)).orElseThrow().release();

        replica.pause();
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            s.putString("user", "bob-" + i);
            // the guard's own timeout, should a starved event loop deliver the WAIT's answer late, is outcome unknown too
            Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> store.save(s));
            assertThat(e).isInstanceOf(StateTimeoutException.class).hasMessageContaining("redis session.save");
            messages.add(e.getMessage());
        }
        assertThat(messages).as("the WAIT's answer named the shortfall").anySatisfy(m -> assertThat(m)
                .contains("only 0 of the 1 replica(s)").contains("outcome is unknown"));
        // the master applied it: outcome unknown is not "not written"
        assertThat(master.call("HGET", fixture.keys().session(s.id()), "a:user")).asString().contains("bob-2");
        gone.putString("user", "carol");
        assertThatThrownBy(() -> store.save(gone)).as("a refused write is the caller's error, whatever WAIT says")
                .isInstanceOf(SessionNotFoundException.class);
        assertThatThrownBy(() -> leases.tryAcquire("report", Duration.ofSeconds(10)))
                .isInstanceOf(StateTimeoutException.class).hasMessageContaining("redis lease.acquire");
        assertThat(store.findFresh(s.id())).as("reads do not wait for replicas").isPresent();
        assertThat(state.health().health().status()).as("replicas lagging is not the master being down")
                .isEqualTo(BackendHealth.Status.UP);

        replica.resume();
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            s.putString("user", "dave");
            store.save(s);
        });
        assertThat(replica.call("HGET", fixture.keys().session(s.id()), "a:user")).asString().contains("dave");
    }

    @Test
    @DisplayName("a failover to a replica that missed the last INCRs sets the counter back, yet the next fencing token is above every token handed out")
    void lostIncrDoesNotRepeatAToken() {
        RedisServer master = master();
        FaultProxy link = fixture.closeAfter(FaultProxy.to(master.host(), master.port()));
        RedisServer replica = replicaOf(link.host(), link.port());
        RedisState before = fixture.state(options(master, RedisTesting.PATIENT).build());
        RedisLeaseProvider leases = fixture.leases(before);
        RedisLeaseProvider durableLeases = fixture.leases(fixture.state(options(master, SHORT)
                .leaseDurability(RedisDurability.replicas(1)).build()));
        long replicated = 0;
        for (int i = 0; i < 3; i++) {
            Lease l = leases.tryAcquire("report", Duration.ofSeconds(30)).orElseThrow();
            replicated = l.fencingToken();
            l.release();
        }
        try (RespConnection conn = master.connect()) {
            // WAIT counts only this connection's writes: one written after the releases, acknowledged
            // by the replica, means the replica has everything before it (replication is in order)
            conn.call("SET", "replication-marker", "1");
            assertThat(conn.call("WAIT", "1", "10000")).isEqualTo(1L);
        }

        link.blackhole(true);
        long lastHandedOut = 0;
        for (int i = 0; i < 5; i++) {
            Lease l = leases.tryAcquire("report", Duration.ofSeconds(30)).orElseThrow();
            assertThat(l.fencingToken()).isGreaterThan(Math.max(replicated, lastHandedOut));
            lastHandedOut = l.fencingToken();
            l.release();
        }
        assertThatThrownBy(() -> durableLeases.tryAcquire("other", Duration.ofSeconds(30)))
                .as("with replicas(1) the replica cannot confirm the token, so it is not handed out as a success")
                .isInstanceOf(StateTimeoutException.class);

        master.kill();
        assertThat(replica.call("REPLICAOF", "NO", "ONE")).isEqualTo("OK");
        long counterAfter = Long.parseLong((String) replica.call("GET", fixture.keys().leaseToken("report")));
        assertThat(counterAfter).as("the promoted replica's counter: the INCRs it missed are lost").isLessThan(lastHandedOut);

        RedisLeaseProvider promoted = fixture.leases(fixture.state(options(replica, RedisTesting.PATIENT).build()));
        Lease next = promoted.tryAcquire("report", Duration.ofSeconds(30)).orElseThrow();
        assertThat(next.fencingToken()).as("the first token after the failover").isGreaterThan(lastHandedOut);
        next.release();
        System.out.printf(Locale.ROOT, "[failover] lost INCR: counter on the promoted replica %d, last token handed out %d, "
                + "next token %d (greater: tokens never repeat)%n", counterAfter, lastHandedOut, next.fencingToken());
    }
}
