package dev.exstate.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.StateException;
import dev.exstate.health.BackendHealth;
import dev.exstate.health.HealthReport;
import dev.exstate.lease.ScheduledJob;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionNotFoundException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small shop, written the exstate way: every piece of state lives in the {@link StateRuntime},
 * so any replica can answer any request and a timer runs once per tick whatever the replica count.
 *
 * <ul>
 *   <li>{@code GET /cart}: the cart of the session (cookie {@code SESSION}; created when absent);</li>
 *   <li>{@code POST /cart/items} (body: the item): adds with {@code sessions().compute}, so
 *       concurrent adds through different replicas are not lost;</li>
 *   <li>{@code GET /flags}: feature flag {@code shop.discount} and {@code shop.discount-percent},
 *       read from the live config on every request, so a change reaches every replica;</li>
 *   <li>{@code POST /files} (body: the bytes): stored in the blob store under the SHA-256 of the
 *       content, answered with that key; {@code GET /files/{key}} returns the bytes;</li>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}: 200 or 503 with the report;</li>
 *   <li>a {@code report} job every {@code reportPeriod} through {@code runtime.scheduler()}.</li>
 * </ul>
 *
 * <p>The service does not own the runtime: {@link #close()} stops HTTP and the job; the caller
 * closes the runtime.
 */
public final class ShopService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShopService.class);
    private static final String CART = "cart";

    /**
     * The shop's feature flags, bound from config keys {@code shop.discount} and
     * {@code shop.discount-percent}.
     *
     * @param discount        whether the discount is on (default off)
     * @param discountPercent the discount in percent (default 0)
     */
    public record Flags(Optional<Boolean> discount, Optional<Integer> discountPercent) {
        /** The answer of {@code GET /flags}, e.g. {@code discount=true percent=10}. */
        public String render() {
            return "discount=" + discount.orElse(false) + " percent=" + discountPercent.orElse(0);
        }
    }

    private final StateRuntime runtime;
    private final HttpServer server;
    private final ScheduledJob reportJob;
    private final List<Long> reportTicks = new CopyOnWriteArrayList<>();

    private ShopService(StateRuntime runtime, Duration reportPeriod, InetSocketAddress address) throws IOException {
        this.runtime = runtime;
        this.server = address == null ? Http.server("shop") : Http.server("shop", address);
        route("/cart", this::cart);
        route("/flags", this::flags);
        route("/files", this::files);
        route("/health", this::health);
        server.start();
        try {
            this.reportJob = runtime.scheduler().scheduleAtFixedRate("report", reportPeriod, ctx -> {
                reportTicks.add(ctx.tick());
                LOG.info("report: tick {} on {} (fencing token {})", ctx.tick(), baseUri(), ctx.fencingToken());
            });
        } catch (RuntimeException e) {
            Http.stop(server);
            throw e;
        }
    }

    /** Starts the service on 127.0.0.1 and a random port, its job running every {@code reportPeriod}. */
    public static ShopService start(StateRuntime runtime, Duration reportPeriod) throws IOException {
        return new ShopService(runtime, reportPeriod, null);
    }

    /** Starts the service on {@code address} (a server in a container: {@code 0.0.0.0:8080}). */
    public static ShopService start(StateRuntime runtime, Duration reportPeriod, InetSocketAddress address) throws IOException {
        return new ShopService(runtime, reportPeriod, java.util.Objects.requireNonNull(address, "address"));
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The ticks of the report job this replica ran (a snapshot). */
    public List<Long> reportTicks() {
        return List.copyOf(reportTicks);
    }

    /**
     * Like {@link #close()}, but first lets the requests in progress finish, for up to
     * {@code drain} (whole seconds): new connections are refused at once.
     */
    public void close(Duration drain) {
        reportJob.cancel();
        Http.stop(server, (int) Math.min(Integer.MAX_VALUE, drain.toSeconds()));
    }

    /** Stops the job on this replica and the HTTP server. Does not close the runtime. */
    @Override
    public void close() {
        reportJob.cancel();
        Http.stop(server);
    }

    /**
     * Stops serving at once, as SIGKILL would: the HTTP server closes without a drain, its open
     * connections cut and its handlers interrupted, so requests in flight get no answer. Nothing
     * else happens here: readiness is not turned off, the job is not cancelled, no lease is handed
     * back. The caller then cuts the runtime's backend connections before it closes the runtime,
     * so that nothing the runtime's shutdown would send (a lease release) reaches a backend; see
     * {@code Backends.ShopReplica#kill()}.
     */
    public void kill() {
        Http.stop(server);
    }

    private void route(String path, HttpHandler handler) {
        server.createContext(path, ex -> {
            try {
                handler.handle(ex);
            } catch (StateException e) {
                // the backend is down or slow: 503 lets the balancer retry on another replica
                LOG.warn("{} {}: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.getMessage());
                Http.fail(ex, 503, "state backend unavailable: " + e.backend() + " " + e.operation());
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
                Http.fail(ex, 500, "internal error");
            } finally {
                ex.close();
            }
        });
    }

    private void cart(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.equals("/cart")) {
            if (Http.require(ex, "GET")) {
                Session session = session(ex);
                Cart cart = session.get(CART, Cart.JSON).orElseGet(Cart::empty);
                Http.send(ex, 200, "application/json", Cart.JSON.encode(cart));
            }
        } else if (path.equals("/cart/items")) {
            if (Http.require(ex, "POST")) {
                Optional<String> item = Http.body(ex).map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8).strip());
                if (item.isEmpty() || item.get().isEmpty() || item.get().length() > 100) {
                    Http.text(ex, 400, "the body must be an item name of 1 to 100 characters");
                    return;
                }
                SessionId id = session(ex).id();
                Cart cart;
                try {
                    cart = runtime.sessions().compute(id, CART, Cart.JSON, c -> (c == null ? Cart.empty() : c).with(item.get()));
                } catch (SessionNotFoundException e) {
                    // expired between lookup and update: start over in a new session
                    id = newSession(ex).id();
                    cart = runtime.sessions().compute(id, CART, Cart.JSON, c -> (c == null ? Cart.empty() : c).with(item.get()));
                }
                Http.send(ex, 200, "application/json", Cart.JSON.encode(cart));
            }
        } else {
            Http.text(ex, 404, "not found");
        }
    }

    /** The caller's session, or a new one (with its cookie set) if the cookie is absent, malformed or expired. */
    private Session session(HttpExchange ex) {
        return Http.cookie(ex, Http.SESSION_COOKIE)
                .flatMap(SessionId::tryParse)
                .flatMap(runtime.sessions()::find)
                .orElseGet(() -> newSession(ex));
    }

    private Session newSession(HttpExchange ex) {
        Session created = runtime.sessions().create();
        Http.setSessionCookie(ex, created.id().value());
        return created;
    }

    private void flags(HttpExchange ex) throws IOException {
        if (Http.require(ex, "GET")) {
            Flags flags = runtime.config().current().bind("shop.", Flags.class);
            Http.text(ex, 200, flags.render());
        }
    }

    private void files(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.equals("/files") || path.equals("/files/")) {
            if (!Http.require(ex, "POST")) {
                return;
            }
            Optional<byte[]> body = Http.body(ex);
            if (body.isEmpty()) {
                Http.text(ex, 413, "a file may have at most " + Http.MAX_BODY_BYTES + " bytes");
                return;
            }
            String key = Http.contentKey(body.get());
            String type = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse(PutOptions.DEFAULT_CONTENT_TYPE);
            int status = 201;
            try {
                // create-only: a retried or repeated upload of the same content is harmless
                runtime.blobs().put(key, body.get(), PutOptions.ifAbsent().withContentType(type));
            } catch (BlobPreconditionFailedException alreadyThere) {
                status = 200;
            }
            Http.text(ex, status, key);
            return;
        }
        String key = path.substring("/files/".length());
        if (!Http.require(ex, "GET")) {
            return;
        }
        if (!Http.isContentKey(key)) {
            Http.text(ex, 400, "a file key is 64 lower-case hex digits");
            return;
        }
        Optional<Blob> blob = runtime.blobs().get(key);
        if (blob.isEmpty()) {
            Http.text(ex, 404, "no such file");
            return;
        }
        try (Blob b = blob.get()) {
            Http.send(ex, 200, b.info().contentType(), b.readAllBytes());
        }
    }

    private void health(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        HealthReport report;
        if (path.equals("/health/live")) {
            report = runtime.health().liveness();
        } else if (path.equals("/health/ready")) {
            report = runtime.health().readiness();
        } else {
            Http.text(ex, 404, "not found");
            return;
        }
        if (Http.require(ex, "GET")) {
            Http.text(ex, report.up() ? 200 : 503, render(report));
        }
    }

    static String render(HealthReport report) {
        StringBuilder out = new StringBuilder(report.up() ? "UP" : "DOWN");
        report.reasons().forEach(r -> out.append("\nreason: ").append(r));
        for (BackendHealth c : report.components()) {
            out.append('\n').append(c.component()).append(": ").append(c.status())
                    .append(c.detail().isEmpty() ? "" : " (" + c.detail() + ")");
        }
        return out.toString();
    }
}
