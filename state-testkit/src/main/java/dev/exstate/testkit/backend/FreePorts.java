package dev.exstate.testkit.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * Picks loopback TCP ports that are free right now. A port is free only at the moment it is
 * checked, so callers must still handle a clash when they bind (the launchers retry on fresh
 * ports). Ports handed out recently in this JVM are not handed out again, so two launchers in
 * one test run never race for the same port. Thread-safe.
 */
public final class FreePorts {
    private static final int REMEMBERED = 4096;
    private static final int MAX_TRIES = 100;
    private static final Set<Integer> RECENT = new LinkedHashSet<>();

    private FreePorts() {}

    /** A port on 127.0.0.1 that nothing listens on and that this JVM has not handed out recently. */
    public static int next() {
        synchronized (RECENT) {
            for (int i = 0; i < MAX_TRIES; i++) {
                int port = probe();
                if (RECENT.add(port)) {
                    if (RECENT.size() > REMEMBERED) {
                        Iterator<Integer> oldest = RECENT.iterator();
                        oldest.next();
                        oldest.remove();
                    }
                    return port;
                }
            }
        }
        throw new IllegalStateException("no free loopback port found after " + MAX_TRIES + " tries");
    }

    private static int probe() {
        try (ServerSocket socket = new ServerSocket()) {
            // no SO_REUSEADDR: a port still in TIME_WAIT from an earlier owner is not reported free
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a probe socket on 127.0.0.1", e);
        }
    }
}
