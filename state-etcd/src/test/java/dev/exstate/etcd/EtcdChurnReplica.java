package dev.exstate.etcd;

import dev.exstate.testkit.churn.ChurnReplica;

/** One replica process of {@link EtcdSchedulerChurnIT}: an etcd lease provider under the churn job. */
public final class EtcdChurnReplica {
    private EtcdChurnReplica() {
    }

    public static void main(String[] args) throws Exception {
        ChurnReplica.Settings settings = ChurnReplica.Settings.parse(args);
        EtcdState state = EtcdState.connect(EtcdOptions.builder(settings.endpoint()).appName(settings.app()).build());
        ChurnReplica.run(settings, state.leaseProvider(), state);
    }
}
