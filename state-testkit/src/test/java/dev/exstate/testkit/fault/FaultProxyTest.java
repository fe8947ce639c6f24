package dev.exstate.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("FaultProxy forwards TCP and injects faults")
class FaultProxyTest {
    /** Bound on anything that needs another thread to run (proxy pumps, echo server); never a speed assertion. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private EchoServer echo;
    private FaultProxy proxy;

    @BeforeEach
    void setUp() throws IOException {
        echo = new EchoServer();
        proxy = FaultProxy.to("127.0.0.1", echo.port());
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        echo.close();
    }

    @Test
    @DisplayName("bytes pass through unchanged in both directions")
    void passesBytesThrough() throws IOException {
        byte[] payload = new byte[100_000];
        new Random(7).nextBytes(payload);
        try (Socket s = connect(PATIENCE)) {
            assertThat(roundTrip(s, "hello")).isEqualTo("hello");
            s.getOutputStream().write(payload);
            assertThat(s.getInputStream().readNBytes(payload.length)).isEqualTo(payload);
        }
        assertThat(proxy.acceptedConnections()).isEqualTo(1);
        assertThat(proxy.uri("redis")).isEqualTo("redis://127.0.0.1:" + proxy.port());
        await().atMost(PATIENCE).until(() -> proxy.openConnections() == 0);
    }

    @Test
    @DisplayName("latency delays each direction by at least the configured time")
    void latencyDelaysEachDirection() throws IOException {
        Duration latency = Duration.ofMillis(150);
        try (Socket s = connect(PATIENCE)) {
            proxy.latency(latency);
            long start = System.nanoTime();
            assertThat(roundTrip(s, "slow")).isEqualTo("slow");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isGreaterThanOrEqualTo(latency.multipliedBy(2));

            proxy.heal();
            assertThat(roundTrip(s, "fast")).isEqualTo("fast");
        }
    }

    @Test
    @DisplayName("latency spikes hold back every chunk at probability 1, some at 0.5, none once healed")
    void latencySpikes() throws IOException {
        Duration spike = Duration.ofMillis(40);
        try (Socket s = connect(PATIENCE)) {
            proxy.latencySpikes(1, spike);
            long start = System.nanoTime();
            assertThat(roundTrip(s, "spiked")).isEqualTo("spiked");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(spike.multipliedBy(2));
            assertThat(proxy.spikedChunks()).isEqualTo(2);
            assertThat(proxy.toString()).contains("spikes of PT0.04S on 100.0% of chunks");

            proxy.latencySpikes(0.5, Duration.ofMillis(1));
            for (int i = 0; i < 30; i++) {
                assertThat(roundTrip(s, "m" + i)).isEqualTo("m" + i);
            }
            // 60 more chunks at 1/2: all or none spiked has a chance of 2^-59
            assertThat(proxy.spikedChunks() - 2).isBetween(1L, 59L);

            proxy.heal();
            long before = proxy.spikedChunks();
            assertThat(roundTrip(s, "healed")).isEqualTo("healed");
            assertThat(proxy.spikedChunks()).isEqualTo(before);
        }
        assertThatThrownBy(() -> proxy.latencySpikes(1.5, spike)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probability");
        assertThatThrownBy(() -> proxy.latencySpikes(0.1, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spike");
    }

    @Test
    @DisplayName("a blackhole keeps the connection open but answers nothing; heal lets later bytes through")
    void blackholeHangsUntilHealed() throws IOException {
        try (Socket s = connect(PATIENCE)) {
            assertThat(roundTrip(s, "a")).isEqualTo("a");
            // nothing may arrive: a short read timeout only shortens the wait for that silence
            s.setSoTimeout(300);
            proxy.blackhole(true);
            s.getOutputStream().write("lost".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            assertThat(s.isClosed()).isFalse();

            proxy.heal();
            s.setSoTimeout((int) PATIENCE.toMillis());
            assertThat(roundTrip(s, "back")).isEqualTo("back");
        }
    }

    @Test
    @DisplayName("resetAll makes the client's next read fail instead of hang")
    void resetAllBreaksOpenConnections() throws IOException {
        try (Socket s = connect(PATIENCE)) {
            assertThat(roundTrip(s, "x")).isEqualTo("x");
            proxy.resetAll();
            assertThat(readFails(s)).isTrue();
        }
        await().atMost(PATIENCE).until(() -> proxy.openConnections() == 0);
        try (Socket s = connect(PATIENCE)) {
            assertThat(roundTrip(s, "new")).isEqualTo("new");
        }
    }

    @Test
    @DisplayName("a bandwidth limit paces the transfer: 64 KiB at 64 KiB/s takes most of a second")
    void bandwidthLimitPacesTransfer() throws IOException {
        proxy.bandwidth(64 * 1024);
        byte[] payload = new byte[64 * 1024];
        new Random(3).nextBytes(payload);
        try (Socket s = connect(Duration.ofSeconds(10))) {
            long start = System.nanoTime();
            s.getOutputStream().write(payload);
            assertThat(s.getInputStream().readNBytes(payload.length)).isEqualTo(payload);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        }
    }

    @Test
    @DisplayName("refuseNew closes new connections at once while open ones keep working")
    void refuseNewClosesNewConnections() throws IOException {
        try (Socket open = connect(PATIENCE)) {
            assertThat(roundTrip(open, "1")).isEqualTo("1");
            proxy.refuseNew(true);
            assertThat(newConnectionFails()).isTrue();
            assertThat(roundTrip(open, "2")).isEqualTo("2");
            assertThat(proxy.refusedConnections()).isEqualTo(1);

            proxy.heal();
            try (Socket again = connect(PATIENCE)) {
                assertThat(roundTrip(again, "3")).isEqualTo("3");
            }
            assertThat(proxy.acceptedConnections()).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("close() ends open connections and stops listening")
    void closeStopsEverything() throws IOException {
        Socket s = connect(PATIENCE);
        try (s) {
            assertThat(roundTrip(s, "bye")).isEqualTo("bye");
            proxy.close();
            assertThat(readFails(s)).isTrue();
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", proxy.port()).close()).isInstanceOf(IOException.class);
    }

    private Socket connect(Duration readTimeout) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(proxy.address(), (int) PATIENCE.toMillis());
        s.setSoTimeout((int) readTimeout.toMillis());
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
        return new String(s.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
    }

    /** True if a new connection is reset during connect or on its first read. */
    private boolean newConnectionFails() throws IOException {
        try (Socket s = connect(PATIENCE)) {
            return readFails(s);
        } catch (SocketException e) {
            // the RST can arrive while connect() is still completing
            return true;
        }
    }

    /** True if the next read ends the stream or throws (reset); false would mean data arrived. */
    private static boolean readFails(Socket s) throws IOException {
        s.setSoTimeout((int) PATIENCE.toMillis());
        try {
            s.getOutputStream().write('?');
            return s.getInputStream().read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }

    /** A tiny loopback echo server: one daemon thread per connection. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket server;

        EchoServer() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            Thread acceptor = new Thread(this::acceptLoop, "exstate-test-echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> echo(s), "exstate-test-echo");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void echo(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(Arrays.copyOf(buf, n));
                }
            } catch (IOException ignored) {
                // client went away
            }
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
