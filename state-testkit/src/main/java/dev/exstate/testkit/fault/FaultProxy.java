package dev.exstate.testkit.fault;

import dev.exstate.internal.Check;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a free 127.0.0.1 port that forwards to one target and injects network faults,
 * so a client can be pointed at {@link #port()} instead of the real server.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.to(redis.host(), redis.port())) {
 *     // connect the client to proxy.uri("redis")
 *     proxy.latency(Duration.ofMillis(200));
 *     proxy.blackhole(true);   // the client hangs until its own timeout fires
 *     proxy.heal();
 * }
 * }</pre>
 *
 * <p>Faults can be changed at any time and apply to open connections from their next chunk on:
 * <ul>
 *   <li>{@link #latency(Duration)}: each chunk read in either direction is held back this long
 *       before it is written on, so a round trip costs at least twice the latency. Back-to-back
 *       chunks queue behind each other, like on a slow link.</li>
 *   <li>{@link #latencySpikes(double, Duration)}: each chunk, in either direction, is held back
 *       an extra {@code spike} with the given probability (on top of any {@link #latency}), and
 *       the chunks behind it on the same connection wait too, like a retransmission or a paused
 *       server thread. A request and its reply are at least two chunks, so about twice that
 *       share of round trips is slowed; other connections are not. {@link #spikedChunks()}
 *       counts them. A tail-latency fault: most calls stay fast.</li>
 *   <li>{@link #bandwidth(long)}: each direction of each connection is paced to this many bytes
 *       per second.</li>
 *   <li>{@link #blackhole(boolean)}: connections stay open (new ones are still accepted) but bytes
 *       are read and silently dropped in both directions, so the client sees a hang, not an error.
 *       Dropped bytes are gone for good: after {@link #heal()} the stream continues with whatever
 *       is sent next. A peer closing its side is still passed on.</li>
 *   <li>{@link #resetAll()}: every open connection is aborted with a TCP RST on both sides; the
 *       client's next read fails with "connection reset" (or sees end of stream).</li>
 *   <li>{@link #refuseNew(boolean)}: new connections are reset right after accept.</li>
 * </ul>
 *
 * <p>Threads: one acceptor plus two per open connection, all daemon and named
 * {@code exstate-faultproxy-<port>-...}; at most {@code maxConnections} connections are open at
 * once, more are reset. If the target refuses, the client's connection is reset. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FaultProxy.class);
    private static final String HOST = "127.0.0.1";
    private static final int BUFFER = 8192;
    private static final long MAX_WAIT_STEP_NANOS = Duration.ofMillis(20).toNanos();

    private final String targetHost;
    private final int targetPort;
    private final int maxConnections;
    private final Duration connectTimeout;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicInteger linkIds = new AtomicInteger();

    private volatile long latencyNanos;
    private volatile double spikeProbability;
    private volatile long spikeNanos;
    private final AtomicLong spiked = new AtomicLong();
    private volatile long bytesPerSecond;
    private volatile boolean blackhole;
    private volatile boolean refuseNew;
    private volatile boolean closed;

    private FaultProxy(Builder b) {
        this.targetHost = b.targetHost;
        this.targetPort = b.targetPort;
        this.maxConnections = b.maxConnections;
        this.connectTimeout = b.connectTimeout;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(HOST), b.listenPort), 128);
        } catch (IOException e) {
            throw new UncheckedIOException("fault proxy cannot listen on " + HOST + ":" + b.listenPort
                    + " (for " + b.targetHost + ":" + b.targetPort + "): " + e.getMessage(), e);
        }
        acceptor = new Thread(this::acceptLoop, threadPrefix() + "accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts a proxy to {@code targetHost:targetPort} with default options. */
    public static FaultProxy to(String targetHost, int targetPort) {
        return builder(targetHost, targetPort).start();
    }

    public static Builder builder(String targetHost, int targetPort) {
        return new Builder(targetHost, targetPort);
    }

    // ---- faults ----

    /** Holds every chunk back by {@code latency} in each direction; {@link Duration#ZERO} turns it off. */
    public FaultProxy latency(Duration latency) {
        this.latencyNanos = Check.valid(latency, latency != null && !latency.isNegative(),
                () -> "latency must be zero or positive: " + latency).toNanos();
        return this;
    }

    /**
     * Holds each chunk back an extra {@code spike} with {@code probability} (0 to 1; 0 or a zero
     * spike turns spikes off), on top of any {@link #latency}.
     */
    public FaultProxy latencySpikes(double probability, Duration spike) {
        Check.valid(probability, probability >= 0 && probability <= 1,
                () -> "spike probability must be between 0 and 1: " + probability);
        long nanos = Check.valid(spike, spike != null && !spike.isNegative(),
                () -> "spike must be zero or positive: " + spike).toNanos();
        this.spikeNanos = nanos;
        this.spikeProbability = probability;
        return this;
    }

    /** Paces each direction of each connection to {@code bytesPerSecond}; 0 means unlimited. */
    public FaultProxy bandwidth(long bytesPerSecond) {
        this.bytesPerSecond = Check.valid(bytesPerSecond, bytesPerSecond >= 0, () -> "bytesPerSecond must be >= 0 (0 = unlimited): " + bytesPerSecond);
        return this;
    }

    /** While on, keeps connections open but drops every byte in both directions. */
    public FaultProxy blackhole(boolean on) {
        this.blackhole = on;
        return this;
    }

    /** While on, resets new connections right after accepting them. */
    public FaultProxy refuseNew(boolean on) {
        this.refuseNew = on;
        return this;
    }

    /** Aborts every open connection with a TCP RST towards both the client and the target. */
    public FaultProxy resetAll() {
        for (Link link : links) {
            link.abort();
        }
        return this;
    }

    /** Turns every fault off: no latency or spikes, unlimited bandwidth, no blackhole, new connections accepted. */
    public FaultProxy heal() {
        latencyNanos = 0;
        spikeProbability = 0;
        spikeNanos = 0;
        bytesPerSecond = 0;
        blackhole = false;
        refuseNew = false;
        return this;
    }

    // ---- accessors ----

    public String host() {
        return HOST;
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(HOST, port());
    }

    /** {@code 127.0.0.1:<port>}. */
    public String hostAndPort() {
        return HOST + ":" + port();
    }

    /** {@code <scheme>://127.0.0.1:<port>}, e.g. {@code uri("redis")} or {@code uri("http")}. */
    public String uri(String scheme) {
        return scheme + "://" + hostAndPort();
    }

    public String targetHost() {
        return targetHost;
    }

    public int targetPort() {
        return targetPort;
    }

    /** Connections accepted and forwarded since the proxy started (refused ones not counted). */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Connections reset on arrival because of {@link #refuseNew(boolean)} or the connection limit. */
    public long refusedConnections() {
        return refused.get();
    }

    /** Chunks held back by a {@link #latencySpikes latency spike} since the proxy started. */
    public long spikedChunks() {
        return spiked.get();
    }

    /** Connections currently open. */
    public int openConnections() {
        return links.size();
    }

    /** Stops accepting, aborts every connection and ends all proxy threads. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing fault proxy listener", e);
        }
        resetAll();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FaultProxy[" + hostAndPort() + " -> " + targetHost + ":" + targetPort
                + ", latency " + Duration.ofNanos(latencyNanos)
                + (spikeProbability > 0 && spikeNanos > 0
                        ? ", spikes of " + Duration.ofNanos(spikeNanos) + " on " + spikeProbability * 100 + "% of chunks" : "")
                + ", bandwidth " + (bytesPerSecond == 0 ? "unlimited" : bytesPerSecond + " B/s")
                + (blackhole ? ", blackhole" : "") + (refuseNew ? ", refusing new" : "")
                + ", open " + links.size() + "]";
    }

    // ---- internals ----

    private String threadPrefix() {
        return "exstate-faultproxy-" + server.getLocalPort() + "-";
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("fault proxy {} stopped accepting: {}", hostAndPort(), e.toString());
                }
                return;
            }
            if (refuseNew || closed) {
                refused.incrementAndGet();
                abort(client);
                continue;
            }
            if (links.size() >= maxConnections) {
                refused.incrementAndGet();
                log.warn("fault proxy {} is at its limit of {} connections; resetting a new one",
                        hostAndPort(), maxConnections);
                abort(client);
                continue;
            }
            accepted.incrementAndGet();
            Link link = new Link(client, linkIds.incrementAndGet());
            links.add(link);
            link.start();
        }
    }

    /** Closes with SO_LINGER 0, which sends RST instead of FIN. */
    private static void abort(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /** The extra delay of the next chunk: a spike with the configured probability, else 0. */
    private long spike() {
        double p = spikeProbability;
        long nanos = spikeNanos;
        if (p <= 0 || nanos <= 0 || ThreadLocalRandom.current().nextDouble() >= p) {
            return 0;
        }
        spiked.incrementAndGet();
        return nanos;
    }

    /** Sleeps until {@code deadline.getAsLong()} (re-read every step, so healing cuts waits short) or close. */
    private void waitUntil(LongSupplier deadline) throws InterruptedException {
        while (!closed) {
            long remaining = deadline.getAsLong() - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            long step = Math.min(remaining, MAX_WAIT_STEP_NANOS);
            Thread.sleep(step / 1_000_000, (int) (step % 1_000_000));
        }
    }

    /** One client connection and its upstream connection, pumped by two threads. */
    private final class Link {
        private final Socket client;
        private final int id;
        private final AtomicInteger finishedPumps = new AtomicInteger();
        private volatile Socket upstream;
        private volatile boolean aborted;

        Link(Socket client, int id) {
            this.client = client;
            this.id = id;
        }

        void start() {
            Thread t = new Thread(this::connectAndPumpUp, threadPrefix() + id + "-up");
            t.setDaemon(true);
            t.start();
        }

        void abort() {
            aborted = true;
            FaultProxy.abort(client);
            FaultProxy.abort(upstream);
            links.remove(this);
        }

        private void connectAndPumpUp() {
            Socket up = new Socket();
            try {
                client.setTcpNoDelay(true);
                up.setTcpNoDelay(true);
                up.connect(new InetSocketAddress(targetHost, targetPort), Math.toIntExact(connectTimeout.toMillis()));
            } catch (IOException e) {
                log.debug("fault proxy {} cannot reach {}:{}: {}", hostAndPort(), targetHost, targetPort, e.toString());
                closeQuietly(up);
                abort();
                return;
            }
            upstream = up;
            if (aborted) {
                // resetAll() ran while we were connecting
                abort();
                return;
            }
            Thread down = new Thread(() -> pump(up, client), threadPrefix() + id + "-down");
            down.setDaemon(true);
            down.start();
            pump(client, up);
        }

        private void pump(Socket from, Socket to) {
            byte[] buf = new byte[BUFFER];
            long nextSendAt = System.nanoTime();
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    long bps = bytesPerSecond;
                    // small chunks under a bandwidth limit keep the pacing smooth (about 20 per second)
                    int max = bps > 0 ? (int) Math.max(1, Math.min(BUFFER, bps / 20)) : BUFFER;
                    int n = in.read(buf, 0, max);
                    if (n < 0) {
                        to.shutdownOutput();
                        break;
                    }
                    long readAt = System.nanoTime();
                    if (blackhole) {
                        continue;
                    }
                    long spike = spike();
                    waitUntil(() -> readAt + latencyNanos + spike);
                    long rate = bytesPerSecond;
                    if (rate > 0) {
                        long sendAt = nextSendAt;
                        waitUntil(() -> bytesPerSecond > 0 ? sendAt : 0);
                        nextSendAt = Math.max(nextSendAt, System.nanoTime()) + n * 1_000_000_000L / rate;
                    } else {
                        nextSendAt = System.nanoTime();
                    }
                    if (blackhole || closed) {
                        // turned on while this chunk waited: it is dropped like the rest
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a reset or a closed peer ends both directions
                abort();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
            } finally {
                if (finishedPumps.incrementAndGet() == 2) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                    links.remove(this);
                }
            }
        }
    }

    /**
     * Options for a {@link FaultProxy}. Defaults: any free port, at most 64 open connections,
     * 5 second connect timeout towards the target.
     */
    public static final class Builder {
        private final String targetHost;
        private final int targetPort;
        private int listenPort;
        private int maxConnections = 64;
        private Duration connectTimeout = Duration.ofSeconds(5);

        private Builder(String targetHost, int targetPort) {
            this.targetHost = Objects.requireNonNull(targetHost, "targetHost");
            this.targetPort = Check.valid(targetPort, targetPort > 0 && targetPort <= 65535, () -> "targetPort out of range: " + targetPort);
        }

        /** Listens on this port instead of a free one, e.g. to reopen a proxy on the same port. */
        public Builder listenPort(int port) {
            this.listenPort = Check.valid(port, port >= 0 && port <= 65535, () -> "listenPort out of range: " + port);
            return this;
        }

        /** Bounds open connections (and so threads: 1 + 2 per connection). */
        public Builder maxConnections(int max) {
            this.maxConnections = Check.valid(max, max >= 1, () -> "maxConnections must be >= 1: " + max);
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Check.valid(timeout, timeout != null && !timeout.isNegative() && !timeout.isZero(), () -> "connectTimeout must be positive: " + timeout);
            return this;
        }

        /** Opens the listening socket and starts accepting. */
        public FaultProxy start() {
            return new FaultProxy(this);
        }
    }
}
