package dev.exstate.testkit.stateless;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the checks of this package share to talk to replicas: an HTTP/1.1 client on a small fixed
 * pool of daemon threads that sends a {@link Step} for a virtual client (its cookies, its captured
 * {@code {{variables}}}), with every request bounded by the request timeout; and a bounded call
 * for starting and stopping replicas. Not API.
 */
final class HttpDriver implements AutoCloseable {
    private static final Pattern VARIABLE = Pattern.compile("\\{\\{([A-Za-z0-9_.-]+)}}");
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ExecutorService threads;
    private final HttpClient http;
    private final Duration requestTimeout;

    /** @param threadPrefix e.g. {@code exstate-statelessness-http-}; {@code threads} bounds the client's pool */
    HttpDriver(String threadPrefix, int threads, Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        this.threads = Executors.newFixedThreadPool(threads, r -> daemon(r, threadPrefix + THREADS.incrementAndGet()));
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(requestTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(this.threads)
                .build();
    }

    /** One request as sent, its answer, and the raw bytes of the answer's body (empty without an answer). */
    record Exchange(String request, Response response, byte[] body) {
        static Exchange failed(String request, String error) {
            return new Exchange(request, Response.failed(error), new byte[0]);
        }
    }

    /** Sends {@code step} to {@code base} as the client {@code state}; takes its cookies and captures from the answer. */
    Exchange send(URI base, Step step, ClientState state) throws InterruptedException {
        String shown = step.method() + " " + step.path();
        try {
            String path = substitute(step.path(), state.variables);
            shown = step.method() + " " + path;
            byte[] body = step.textBody()
                    ? substitute(new String(step.body(), StandardCharsets.UTF_8), state.variables).getBytes(StandardCharsets.UTF_8)
                    : step.body();
            String root = base.toString().endsWith("/") ? base.toString().substring(0, base.toString().length() - 1) : base.toString();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root + path))
                    .timeout(requestTimeout)
                    .method(step.method(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, String> h : step.headers().entrySet()) {
                request.header(h.getKey(), substitute(h.getValue(), state.variables));
            }
            if (!state.cookies.isEmpty()) {
                StringBuilder cookie = new StringBuilder();
                state.cookies.forEach((k, v) -> cookie.append(cookie.length() == 0 ? "" : "; ").append(k).append('=').append(v));
                request.header("Cookie", cookie.toString());
            }
            CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> response;
            try {
                // the request timeout covers the headers; the extra second bounds a body that never ends
                response = call.get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                call.cancel(true);
                return Exchange.failed(shown, "no answer within " + requestTimeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof HttpTimeoutException) {
                    return Exchange.failed(shown, "no answer within " + requestTimeout.toMillis() + " ms");
                }
                return Exchange.failed(shown, cause instanceof IOException io && io.getMessage() != null
                        ? cause.getClass().getSimpleName() + ": " + io.getMessage() : String.valueOf(cause));
            }
            state.takeCookies(response.headers().allValues("set-cookie"));
            Response r = Response.of(response.statusCode(), response.body());
            for (Step.Capture capture : step.captures()) {
                Matcher m = capture.pattern().matcher(r.body());
                if (m.find()) {
                    state.variables.put(capture.variable(), m.groupCount() >= 1 ? m.group(1) : m.group());
                }
            }
            return new Exchange(shown, r, response.body());
        } catch (UnresolvedVariableException | IllegalArgumentException e) {
            return Exchange.failed(shown, "not sent: " + e.getMessage());
        }
    }

    private static String substitute(String text, Map<String, String> variables) {
        if (text.indexOf("{{") < 0) {
            return text;
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = variables.get(m.group(1));
            if (value == null) {
                throw new UnresolvedVariableException("{{" + m.group(1) + "}} was not captured by an earlier response");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Runs {@code call} on its own daemon thread and waits at most {@code timeout}.
     *
     * @param check names the check and the service in errors, e.g. {@code statelessness check shop}
     * @throws IllegalStateException if the call fails or does not finish in time
     */
    static <T> T bounded(String check, String what, Duration timeout, Callable<T> call) throws InterruptedException {
        FutureTask<T> task = new FutureTask<>(call);
        daemon(task, "exstate-check-lifecycle-" + THREADS.incrementAndGet()).start();
        try {
            return task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw new IllegalStateException(check + ": " + what + " did not finish within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException(check + ": " + what + " failed: " + e.getCause(), e.getCause());
        }
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }

    /** One virtual client's cookies and captured variables during one run. Not thread-safe: one request at a time. */
    static final class ClientState {
        final Map<String, String> cookies = new LinkedHashMap<>();
        final Map<String, String> variables = new HashMap<>();

        void takeCookies(List<String> setCookies) {
            for (String header : setCookies) {
                String[] parts = header.split(";");
                int eq = parts[0].indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String cookieName = parts[0].substring(0, eq).trim();
                String value = parts[0].substring(eq + 1).trim();
                boolean expired = false;
                for (int i = 1; i < parts.length; i++) {
                    String attr = parts[i].trim().toLowerCase(Locale.ROOT);
                    if (attr.startsWith("max-age=")) {
                        try {
                            expired = Long.parseLong(attr.substring("max-age=".length()).trim()) <= 0;
                        } catch (NumberFormatException ignored) {
                            // a malformed Max-Age is ignored, as browsers do
                        }
                    }
                }
                if (expired || value.isEmpty()) {
                    cookies.remove(cookieName);
                } else {
                    cookies.put(cookieName, value);
                }
            }
        }
    }

    private static final class UnresolvedVariableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnresolvedVariableException(String message) {
            super(message);
        }
    }
}
