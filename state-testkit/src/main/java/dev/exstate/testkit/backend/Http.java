package dev.exstate.testkit.backend;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/** One small shared HTTP client for readiness and status probes (bounded daemon threads). */
final class Http {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "exstate-backend-http-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            // etcd multiplexes gRPC and HTTP on one port; plain HTTP/1.1 avoids any h2c upgrade dance
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .executor(EXECUTOR)
            .build();

    private Http() {}

    /** The shared plain client. */
    static HttpClient client() {
        return CLIENT;
    }

    /** A client for https URLs that uses {@code tls} (trusted CAs, client certificate); same threads as the shared one. */
    static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .executor(EXECUTOR)
                .sslContext(tls)
                .build();
    }

    /** GET; returns the body of a 2xx response. */
    static String get(String url, Duration timeout) throws IOException {
        return get(CLIENT, url, timeout);
    }

    static String get(HttpClient client, String url, Duration timeout) throws IOException {
        return send(client, HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build(), url);
    }

    /** POST a JSON body; returns the body of a 2xx response. */
    static String postJson(String url, String json, Duration timeout) throws IOException {
        return postJson(CLIENT, url, json, timeout, Map.of());
    }

    static String postJson(HttpClient client, String url, String json, Duration timeout, Map<String, String> headers)
            throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return send(client, b.build(), url);
    }

    private static String send(HttpClient client, HttpRequest request, String url) throws IOException {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException(request.method() + " " + url + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + request.method() + " " + url, e);
        }
    }
}
