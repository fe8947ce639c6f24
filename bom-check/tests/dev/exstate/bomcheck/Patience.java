package dev.exstate.bomcheck;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.redis.RedisOptions;
import dev.exstate.testkit.BackendFixture;
import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.RedisServer;
import java.time.Duration;

/**
 * The guard policy of every provider in these checks, and their options. They check the class
 * path, not latency, so a first call from a cold JVM on a busy machine gets seconds instead of the
 * defaults' 2 s total.
 */
final class Patience {
    static final GuardPolicy POLICY = GuardPolicy.defaults().toBuilder()
            .timeout(Duration.ofSeconds(10))
            .totalTimeout(Duration.ofSeconds(30))
            .build();

    private Patience() {
    }

    /** A replica of the current test's app on the fixture's redis-server. */
    static RedisOptions redis(BackendFixture<RedisServer> redis) {
        return RedisOptions.standalone(redis.backend().uri()).appName(redis.app()).guardPolicy(POLICY).build();
    }

    /** A replica of the current test's app on the fixture's etcd. */
    static EtcdOptions.Builder etcd(BackendFixture<EtcdServer> etcd) {
        return EtcdOptions.builder(etcd.backend().endpoint()).appName(etcd.app()).guardPolicy(POLICY);
    }
}
