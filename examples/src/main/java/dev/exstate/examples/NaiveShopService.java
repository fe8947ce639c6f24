package dev.exstate.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The same shop as {@link ShopService}, written the way services usually start out: it works
 * with one replica and breaks as soon as there are two.
 *
 * <ul>
 *   <li>sessions in a {@link HashMap} of this process: another replica does not know the cookie;</li>
 *   <li>flags read once from a map at start: a change needs a restart of every replica;</li>
 *   <li>files in a temp directory of this replica: the next replica answers 404;</li>
 *   <li>the report job on a plain {@link ScheduledExecutorService}: every replica runs every tick;</li>
 *   <li>the session limit read once from a system property into a static: a change needs a restart;</li>
 *   <li>requests served by a cached thread pool: one thread per concurrent request, no maximum.</li>
 * </ul>
 * {@code HiddenStateExamplesTest} shows the hidden-state rules of {@code state-testkit} finding each.
 *
 * <p>Kept deliberately simple, but not sloppy: the maps are synchronized and bounded, so its faults
 * are the ones being demonstrated.
 */
public final class NaiveShopService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NaiveShopService.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_SESSIONS = Integer.getInteger("naive-shop.max-sessions", 10_000);

    private final HttpServer server;
    private final Map<String, Cart> carts = new HashMap<>(); // guarded by itself
    private final String flags;
    private final Path fileDir;
    private final ScheduledExecutorService timer;
    private final List<Long> reportTicks = new CopyOnWriteArrayList<>();

    private NaiveShopService(Map<String, String> config, Duration reportPeriod) throws IOException {
        this.flags = "discount=" + Boolean.parseBoolean(config.getOrDefault("shop.discount", "false"))
                + " percent=" + Integer.parseInt(config.getOrDefault("shop.discount-percent", "0"));
        this.fileDir = Files.createTempDirectory("naive-shop-");
        this.server = Http.server("naive-shop");
        // replaces the bounded pool Http.server made (it has started no thread yet); Http.stop shuts this one down
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "naive-shop-http");
            t.setDaemon(true);
            return t;
        }));
        route("/cart", this::cart);
        route("/flags", ex -> {
            if (Http.require(ex, "GET")) {
                Http.text(ex, 200, flags);
            }
        });
        route("/files", this::files);
        route("/health", ex -> Http.text(ex, 200, "UP"));
        server.start();
        long periodMs = reportPeriod.toMillis();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "naive-shop-report");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            long tick = System.currentTimeMillis() / periodMs;
            reportTicks.add(tick);
            LOG.info("report: tick {} on {}", tick, baseUri());
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Starts the service on 127.0.0.1 and a random port, reading its flags from {@code config} once. */
    public static NaiveShopService start(Map<String, String> config, Duration reportPeriod) throws IOException {
        return new NaiveShopService(Map.copyOf(config), reportPeriod);
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The ticks of the report job this replica ran (a snapshot). */
    public List<Long> reportTicks() {
        return List.copyOf(reportTicks);
    }

    /** Stops the timer and the server and deletes this replica's files. */
    @Override
    public void close() {
        timer.shutdownNow();
        Http.stop(server);
        try (Stream<Path> files = Files.walk(fileDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", fileDir, e.toString());
        }
    }

    private void route(String path, HttpHandler handler) {
        server.createContext(path, ex -> {
            try {
                handler.handle(ex);
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
                Cart cart;
                synchronized (carts) {
                    cart = carts.get(sessionId(ex));
                }
                Http.send(ex, 200, "application/json", Cart.JSON.encode(cart));
            }
        } else if (path.equals("/cart/items")) {
            if (Http.require(ex, "POST")) {
                Optional<String> item = Http.body(ex).map(b -> new String(b, StandardCharsets.UTF_8).strip());
                if (item.isEmpty() || item.get().isEmpty() || item.get().length() > 100) {
                    Http.text(ex, 400, "the body must be an item name of 1 to 100 characters");
                    return;
                }
                Cart cart;
                synchronized (carts) {
                    cart = carts.merge(sessionId(ex), Cart.empty().with(item.get()), (old, added) -> old.with(item.get()));
                }
                Http.send(ex, 200, "application/json", Cart.JSON.encode(cart));
            }
        } else {
            Http.text(ex, 404, "not found");
        }
    }

    /** The session id from the cookie if this process knows it, else a new one (cookie set). Call holding {@code carts}. */
    private String sessionId(HttpExchange ex) {
        Optional<String> known = Http.cookie(ex, Http.SESSION_COOKIE).filter(carts::containsKey);
        if (known.isPresent()) {
            return known.get();
        }
        if (carts.size() >= MAX_SESSIONS) {
            carts.clear(); // crude, but bounded: this is the naive one
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        carts.put(id, Cart.empty());
        Http.setSessionCookie(ex, id);
        return id;
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
            int status = 201;
            try {
                Files.write(fileDir.resolve(key), body.get(), java.nio.file.StandardOpenOption.CREATE_NEW);
            } catch (FileAlreadyExistsException alreadyThere) {
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
        Path file = fileDir.resolve(key);
        if (!Files.exists(file)) {
            Http.text(ex, 404, "no such file");
            return;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Http.send(ex, 200, "application/octet-stream", content);
    }
}
