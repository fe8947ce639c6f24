package dev.exstate.bomcheck;

import dev.exstate.guard.GuardPolicy;
import java.time.Duration;

/**
 * The guard policy of every provider in these checks. They check the class path, not latency, so
 * a first call from a cold JVM on a busy machine gets seconds instead of the defaults' 2 s total.
 */
final class Patience {
    static final GuardPolicy POLICY = GuardPolicy.defaults().toBuilder()
            .timeout(Duration.ofSeconds(10))
            .totalTimeout(Duration.ofSeconds(30))
            .build();

    private Patience() {
    }
}
