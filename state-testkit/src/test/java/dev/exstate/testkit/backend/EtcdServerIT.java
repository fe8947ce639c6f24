package dev.exstate.testkit.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("EtcdServer launches a real etcd and controls it")
class EtcdServerIT {
    /** Bound on an answer from a process that is up; generous, since a busy machine is not a failure. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    @DisplayName("start() returns once /health is true, and keys written survive kill -9 and a restart on the same ports")
    void keySurvivesKillAndRestartOnSamePorts() throws IOException {
        try (EtcdServer etcd = EtcdServer.builder().start()) {
            assertThat(etcd.isHealthy(PATIENCE)).isTrue();
            assertThat(Http.get(etcd.endpoint() + "/version", PATIENCE)).contains("etcdserver");
            assertThat(etcd.endpoint()).isEqualTo("http://127.0.0.1:" + etcd.clientPort());
            CommandResult health = etcd.etcdctl("endpoint", "health");
            assertThat(health.exitCode()).isZero();
            assertThat(health.output()).contains("is healthy");

            etcd.etcdctl("put", "config/feature", "on").requireSuccess();
            int clientPort = etcd.clientPort();
            int peerPort = etcd.peerPort();
            long firstPid = etcd.pid();

            etcd.kill();
            assertThat(etcd.isRunning()).isFalse();
            assertThat(etcd.isHealthy(Duration.ofMillis(300))).isFalse();

            etcd.restart();
            assertThat(etcd.clientPort()).isEqualTo(clientPort);
            assertThat(etcd.peerPort()).isEqualTo(peerPort);
            assertThat(etcd.pid()).isNotEqualTo(firstPid);
            assertThat(etcd.etcdctl("get", "config/feature", "--print-value-only").requireSuccess().stdout().strip())
                    .isEqualTo("on");
            assertThat(etcd.get("config/feature")).contains("on");
            assertThat(etcd.get("config/missing")).isEmpty();

            etcd.put("empty", "");
            assertThat(etcd.get("empty")).isEqualTo(Optional.of(""));
        }
    }

    @Test
    @DisplayName("a paused member lets health requests time out until it is resumed")
    void pausedMemberTimesOutUntilResumed() {
        try (EtcdServer etcd = EtcdServer.builder().name("paused").start()) {
            etcd.pause();
            assertThatThrownBy(() -> Http.get(etcd.endpoint() + "/health", Duration.ofMillis(300)))
                    .isInstanceOf(HttpTimeoutException.class);
            assertThat(etcd.isHealthy(Duration.ofMillis(300))).isFalse();

            etcd.resume();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                    .until(() -> etcd.isHealthy(Duration.ofSeconds(5)));
            assertThat(etcd.status(PATIENCE).isLeader()).isTrue();
        }
    }

    @Test
    @DisplayName("a client port taken between choosing and binding is retried on fresh ports")
    void portClashIsRetriedOnFreshPorts() throws IOException {
        EtcdServer etcd = EtcdServer.builder().build();
        int chosen = etcd.clientPort();
        try (ServerSocket squatter = new ServerSocket(chosen, 1, InetAddress.getByName("127.0.0.1")); etcd) {
            etcd.start();
            assertThat(etcd.clientPort()).isNotEqualTo(chosen);
            assertThat(etcd.isHealthy(PATIENCE)).isTrue();
        }
    }

    @Test
    @DisplayName("a member that cannot start reports the tail of its log")
    void startFailureShowsLog() {
        EtcdServer etcd = EtcdServer.builder().arg("--no-such-flag").build();
        try {
            assertThatThrownBy(etcd::start)
                    .isInstanceOf(BackendStartException.class)
                    .hasMessageContaining("exited with code")
                    .hasMessageContaining("no-such-flag");
        } finally {
            etcd.close();
        }
    }

    @Nested
    @DisplayName("EtcdCluster")
    class Cluster {

        @Test
        @DisplayName("three members elect a leader, and killing it elects a new one among the others")
        void killingTheLeaderElectsAnother() {
            try (EtcdCluster cluster = EtcdCluster.builder().start()) {
                assertThat(cluster.members()).hasSize(3);
                assertThat(cluster.endpoints()).hasSize(3).doesNotHaveDuplicates();
                EtcdServer leader = cluster.leader().orElseThrow();
                cluster.etcdctl("put", "k", "before").requireSuccess();

                leader.kill();

                EtcdServer newLeader = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> cluster.leader().orElse(null), l -> l != null);
                assertThat(newLeader).isNotSameAs(leader);
                assertThat(newLeader.isRunning()).isTrue();
                assertThat(newLeader.get("k")).contains("before");
                cluster.etcdctl("put", "k", "after").requireSuccess();

                leader.restart();
                assertThat(leader.get("k")).contains("after");
                assertThat(cluster.awaitLeader(Duration.ofSeconds(60))).isNotNull();
            }
        }
    }
}
