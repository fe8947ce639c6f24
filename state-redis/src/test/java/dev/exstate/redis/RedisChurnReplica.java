package dev.exstate.redis;

import dev.exstate.testkit.churn.ChurnReplica;

/** One replica process of {@link RedisSchedulerChurnIT}: a Redis lease provider under the churn job. */
public final class RedisChurnReplica {
    private RedisChurnReplica() {
    }

    public static void main(String[] args) throws Exception {
        ChurnReplica.Settings settings = ChurnReplica.Settings.parse(args);
        RedisState state = RedisState.connect(RedisOptions.standalone(settings.endpoint()).appName(settings.app()).build());
        ChurnReplica.run(settings, state.leaseProvider(), state);
    }
}
