package dev.exstate.redis;

import dev.exstate.guard.GuardPolicy;
import dev.exstate.session.SessionOptions;
import java.time.Duration;

/** Shared settings of the Redis integration tests. */
final class RedisTesting {
    /**
     * Guard policy of the tests whose subject is not a timeout: the defaults, but 5 s per attempt
     * and 10 s in all, so a call slowed down by a busy machine (a cold JVM, a starved event loop)
     * is not mistaken for an outage. Fault tests use their own short deadlines.
     */
    static final GuardPolicy PATIENT = GuardPolicy.defaults().toBuilder()
            .timeout(Duration.ofSeconds(5))
            .totalTimeout(Duration.ofSeconds(10))
            .build();

    /** Sessions of the tests whose subject is not expiry: idle for 5 minutes, touched once a minute. */
    static final SessionOptions LONG_LIVED = SessionOptions.builder()
            .maxInactiveInterval(Duration.ofMinutes(5)).touchInterval(Duration.ofMinutes(1)).build();

    private RedisTesting() {
    }
}
