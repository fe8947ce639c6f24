package dev.exstate.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The little HTTP plumbing both shop services share (JDK HttpServer, no framework). */
final class Http {
    /** Largest request body accepted (an upload), so one request cannot exhaust the heap. */
    static final int MAX_BODY_BYTES = 1024 * 1024;
    static final String SESSION_COOKIE = "SESSION";
    private static final AtomicInteger THREADS = new AtomicInteger();

    private Http() {
    }

    /** A server on 127.0.0.1 and a random port, with a small bounded pool of daemon threads. */
    static HttpServer server(String name) throws IOException {
        return server(name, new InetSocketAddress("127.0.0.1", 0));
    }

    /** A server on {@code address}, with a small bounded pool of daemon threads. */
    static HttpServer server(String name, InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 64);
        ExecutorService pool = new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(256), r -> {
            Thread t = new Thread(r, name + "-http-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        server.setExecutor(pool);
        return server;
    }

    /** Stops the server and its pool. */
    static void stop(HttpServer server) {
        stop(server, 0);
    }

    /**
     * Stops taking connections, waits up to {@code drainSeconds} for the requests in progress to be
     * answered, then stops the pool.
     */
    static void stop(HttpServer server, int drainSeconds) {
        server.stop(drainSeconds);
        if (server.getExecutor() instanceof ExecutorService pool) {
            pool.shutdownNow();
        }
    }

    /** The request body, or empty if it is larger than {@link #MAX_BODY_BYTES}. */
    static Optional<byte[]> body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            return bytes.length > MAX_BODY_BYTES ? Optional.empty() : Optional.of(bytes);
        }
    }

    static Optional<String> cookie(HttpExchange ex, String name) {
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith(name + "=")) {
                    return Optional.of(p.substring(name.length() + 1));
                }
            }
        }
        return Optional.empty();
    }

    static void setSessionCookie(HttpExchange ex, String value) {
        ex.getResponseHeaders().add("Set-Cookie", SESSION_COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Lax");
    }

    static void text(HttpExchange ex, int status, String body) throws IOException {
        send(ex, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Answers an error, unless an answer was already started (then the client sees a cut connection). */
    static void fail(HttpExchange ex, int status, String message) {
        if (ex.getResponseCode() != -1) {
            return;
        }
        try {
            text(ex, status, message);
        } catch (IOException ignored) {
            // the client is gone; nothing left to tell it
        }
    }

    /** True if the request is {@code method}; otherwise answers 405 and returns false. */
    static boolean require(HttpExchange ex, String method) throws IOException {
        if (ex.getRequestMethod().equalsIgnoreCase(method)) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", method);
        text(ex, 405, "use " + method);
        return false;
    }

    /** A file key: the lower-case hex SHA-256 of the content. */
    static String contentKey(byte[] content) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(content);
            return java.util.HexFormat.of().formatHex(hash);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static boolean isContentKey(String key) {
        return key.matches("[0-9a-f]{64}");
    }
}
