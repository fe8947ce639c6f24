package dev.exstate.testkit.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("RedisServer launches a real redis-server and controls it")
class RedisServerIT {
    /** Bound on an answer from a process that is up; generous, since a busy machine is not a failure. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    @DisplayName("start() returns once the server answers PING on a loopback port")
    void startedServerAnswersPing() {
        try (RedisServer redis = RedisServer.builder().start()) {
            assertThat(redis.isRunning()).isTrue();
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
            assertThat(redis.pid()).isPositive();
            try (RespConnection conn = RespConnection.open(redis.host(), redis.port(), PATIENCE)) {
                assertThat(conn.call("PING")).isEqualTo("PONG");
                assertThat(conn.call("SET", "k", "v")).isEqualTo("OK");
                assertThat(conn.call("GET", "k")).isEqualTo("v");
                assertThat(conn.call("GET", "missing")).isNull();
                assertThat(conn.call("INCR", "n")).isEqualTo(1L);
            }
        }
    }

    @Test
    @DisplayName("a durable server keeps an acknowledged write across kill -9 and a restart on the same port")
    void durableWriteSurvivesKillAndRestart() {
        try (RedisServer redis = RedisServer.builder().durable().start()) {
            int port = redis.port();
            long firstPid = redis.pid();
            assertThat(redis.call("SET", "survivor", "still-here")).isEqualTo("OK");

            redis.kill();
            assertThat(redis.isRunning()).isFalse();
            assertThat(redis.ping(Duration.ofMillis(300))).isFalse();

            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.pid()).isNotEqualTo(firstPid);
            assertThat(redis.call("GET", "survivor")).isEqualTo("still-here");
        }
    }

    @Test
    @DisplayName("a paused server accepts connections but answers nothing until resumed")
    void pausedServerHangsUntilResumed() {
        try (RedisServer redis = RedisServer.builder().start()) {
            redis.pause();
            assertThat(redis.isPaused()).isTrue();
            assertThat(redis.isRunning()).isTrue();
            try (RespConnection conn = RespConnection.open(redis.host(), redis.port(), Duration.ofMillis(300))) {
                assertThatThrownBy(() -> conn.call("PING"))
                        .isInstanceOf(UncheckedIOException.class)
                        .hasCauseInstanceOf(SocketTimeoutException.class);
            }

            redis.resume();
            assertThat(redis.isPaused()).isFalse();
            try (RespConnection conn = RespConnection.open(redis.host(), redis.port(), PATIENCE)) {
                assertThat(conn.call("PING")).isEqualTo("PONG");
            }
        }
    }

    @Test
    @DisplayName("stop() ends the process and restart() brings it back on the same port")
    void stopEndsProcessAndRestartBringsItBack() {
        try (RedisServer redis = RedisServer.builder().start()) {
            int port = redis.port();
            redis.stop();
            assertThat(redis.isRunning()).isFalse();
            assertThat(redis.ping(Duration.ofMillis(300))).isFalse();

            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.ping(PATIENCE)).isTrue();
        }
    }

    @Test
    @DisplayName("stopping a paused server resumes it first, so SIGTERM is honoured")
    void stopWorksOnPausedServer() {
        try (RedisServer redis = RedisServer.builder().start()) {
            redis.pause();
            redis.stop();
            assertThat(redis.isRunning()).isFalse();
            assertThat(redis.isPaused()).isFalse();
        }
    }

    @Test
    @DisplayName("a password-protected server rejects commands without AUTH and never shows the password")
    void passwordIsRequiredAndNeverShown() throws Exception {
        String secret = "s3cr3t-Pa55";
        try (RedisServer redis = RedisServer.builder().password(secret).start()) {
            try (RespConnection conn = RespConnection.open(redis.host(), redis.port(), PATIENCE)) {
                assertThatThrownBy(() -> conn.call("PING"))
                        .isInstanceOf(RespException.class)
                        .hasMessageStartingWith("NOAUTH");
                assertThat(conn.call("AUTH", secret)).isEqualTo("OK");
                assertThat(conn.call("PING")).isEqualTo("PONG");
            }
            assertThat(redis.call("PING")).isEqualTo("PONG");
            assertThat(redis.toString()).contains(String.valueOf(redis.port())).doesNotContain(secret);
            assertThat(ProcessHandle.of(redis.pid()).flatMap(h -> h.info().commandLine()).orElse(""))
                    .doesNotContain(secret);
            assertThat(Files.readString(redis.logFile())).doesNotContain(secret);
        }
    }

    @Test
    @DisplayName("an ACL user authenticates with its own name and password")
    void aclUserCanAuthenticate() {
        try (RedisServer redis = RedisServer.builder().password("default-pw").user("app", "app-pw").start()) {
            try (RespConnection conn = RespConnection.open(redis.host(), redis.port(), PATIENCE)) {
                assertThatThrownBy(() -> conn.call("AUTH", "app", "wrong")).isInstanceOf(RespException.class);
                assertThat(conn.call("AUTH", "app", "app-pw")).isEqualTo("OK");
                assertThat(conn.call("ACL", "WHOAMI")).isEqualTo("app");
            }
            assertThat(redis.call("ACL", "WHOAMI")).isEqualTo("app");
            assertThat(redis.toString()).doesNotContain("app-pw").doesNotContain("default-pw");
        }
    }

    @Test
    @DisplayName("a port taken between choosing and binding is retried on a fresh port")
    void portClashIsRetriedOnFreshPort() throws IOException {
        RedisServer redis = RedisServer.builder().build();
        int chosen = redis.port();
        try (ServerSocket squatter = new ServerSocket(chosen, 1, InetAddress.getByName("127.0.0.1")); redis) {
            redis.start();
            assertThat(redis.port()).isNotEqualTo(chosen);
            assertThat(redis.ping(PATIENCE)).isTrue();
        }
    }

    @Test
    @DisplayName("a server that fails to start reports the tail of its log")
    void startFailureShowsLog() {
        RedisServer redis = RedisServer.builder().arg("--no-such-directive", "x").build();
        try {
            assertThatThrownBy(redis::start)
                    .isInstanceOf(BackendStartException.class)
                    .hasMessageContaining("exited with code")
                    .hasMessageContaining("no-such-directive");
            assertThat(redis.isRunning()).isFalse();
        } finally {
            redis.close();
        }
    }

    @Test
    @DisplayName("close() kills the server and deletes its data directory; controls then refuse")
    void closeKillsAndDeletesDataDir() {
        RedisServer redis = RedisServer.builder().durable().start();
        Path dir = redis.dataDir();
        long pid = redis.pid();
        assertThat(dir).isDirectory();

        redis.close();
        redis.close();

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(dir).doesNotExist();
        assertThatThrownBy(redis::restart).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    @DisplayName("a missing binary fails with the Debian package to install")
    void missingBinaryNamesThePackage() {
        assertThatThrownBy(() -> Binaries.require("exstate-no-such-binary", RedisServer.DEBIAN_PACKAGE))
                .isInstanceOf(BackendStartException.class)
                .hasMessageContaining("apt-get install -y redis-server");
    }

    @Nested
    @DisplayName("RedisCluster")
    class Cluster {

        @Test
        @DisplayName("three masters reach cluster_state:ok, and a key is served by the node that owns its slot")
        void threeMastersReachClusterOk() {
            try (RedisCluster cluster = RedisCluster.builder().start()) {
                assertThat(cluster.nodes()).hasSize(3);
                assertThat(cluster.clusterStates()).hasSize(3).allSatisfy((node, state) -> assertThat(state).isEqualTo("ok"));
                for (RedisServer node : cluster.nodes()) {
                    String info = (String) node.call("CLUSTER", "INFO");
                    assertThat(info).contains("cluster_state:ok").contains("cluster_known_nodes:3");
                }

                RedisServer owner = cluster.nodeForKey("session:42");
                assertThat(owner.call("SET", "session:42", "x")).isEqualTo("OK");
                RedisServer other = cluster.nodes().stream().filter(n -> n != owner).findFirst().orElseThrow();
                assertThatThrownBy(() -> other.call("GET", "session:42"))
                        .isInstanceOf(RespException.class)
                        .hasMessageStartingWith("MOVED");

                owner.pause();
                assertThat(cluster.clusterStates()).hasSize(2);
                owner.resume();
                assertThat(owner.call("GET", "session:42")).isEqualTo("x");

                // a killed node restarts from its nodes.conf and takes its slots back
                owner.kill();
                owner.restart();
                cluster.awaitClusterOk(Duration.ofSeconds(60));
                assertThat(cluster.nodeForKey("session:42")).isSameAs(owner);
            }
        }
    }
}
