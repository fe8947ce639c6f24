package dev.exstate.testkit.hidden;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.exstate.lease.LeasedScheduler;
import dev.exstate.runtime.ProcessLocal;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/** Small classes each rule must flag (the {@code Flagged*} ones) or pass. Analysed, never run. */
@SuppressWarnings({"unused", "MismatchedQueryAndUpdateOfCollection"})
final class Fixtures {
    private Fixtures() {
    }

    // ---- static mutable state

    static final class NonFinalStatic {
        static int hits;

        void hit() {
            hits++;
        }
    }

    static final class StaticMapCache {
        private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

        String lookup(String key) {
            return CACHE.computeIfAbsent(key, k -> k.toUpperCase(java.util.Locale.ROOT));
        }
    }

    static final class StaticCounter {
        private static final AtomicLong ORDERS = new AtomicLong();

        long order() {
            return ORDERS.incrementAndGet();
        }
    }

    enum EnumSingletonCache {
        INSTANCE;

        private final Map<String, Integer> prices = new HashMap<>();

        void remember(String item, int price) {
            prices.put(item, price);
        }
    }

    @Service
    static final class SpringServiceCache {
        private final List<String> recent = new ArrayList<>();

        void seen(String item) {
            recent.add(item);
        }
    }

    static final class Constants {
        static final List<String> NAMES = List.of("a", "b");
        static final Pattern WORD = Pattern.compile("\\w+");
        static final System.Logger LOG = System.getLogger("constants");
        private static final Map<String, Integer> TABLE = new HashMap<>();
        static int fixedAtStart;

        static {
            TABLE.put("one", 1);
            fixedAtStart = 3;
        }

        int lookup(String key) {
            return TABLE.getOrDefault(key, 0);
        }

        Map<String, Integer> withExtra(String key) {
            Map<String, Integer> copy = new HashMap<>(TABLE);
            copy.put(key, 0);
            return copy;
        }
    }

    static final class ThreadNames {
        private static final AtomicInteger IDS = new AtomicInteger();

        ExecutorService pool() {
            return Executors.newFixedThreadPool(2, r -> new Thread(r, "worker-" + IDS.incrementAndGet()));
        }
    }

    /** A plain object (not a singleton) may hold what it likes: it is created per use. */
    static final class LocalBuffer {
        private final List<String> lines = new ArrayList<>();

        void add(String line) {
            lines.add(line);
        }
    }

    static final class ExcusedField {
        @ProcessLocal("counts this replica's own retries, exported as a per-replica metric")
        private static final AtomicLong RETRIES = new AtomicLong();

        void retried() {
            RETRIES.incrementAndGet();
        }
    }

    @ProcessLocal("a registry of this process's shutdown hooks")
    static final class ExcusedClass {
        private static final List<Runnable> HOOKS = new ArrayList<>();

        void onShutdown(Runnable r) {
            HOOKS.add(r);
        }
    }

    static final class BlankReason {
        @ProcessLocal(" ")
        private static final AtomicLong HITS = new AtomicLong();

        void hit() {
            HITS.incrementAndGet();
        }
    }

    // ---- timers

    static final class FlaggedTimer {
        void start() {
            new Timer(true).schedule(new TimerTask() {
                @Override
                public void run() {
                }
            }, 0, 1000);
        }
    }

    static final class FlaggedScheduledExecutor {
        void start(ScheduledExecutorService scheduler) {
            scheduler.scheduleAtFixedRate(() -> { }, 0, 1, TimeUnit.MINUTES);
        }
    }

    static final class FlaggedSpringScheduled {
        @Scheduled(fixedRate = 60_000)
        void report() {
        }
    }

    static final class OneShotDelay {
        void retryLater(ScheduledExecutorService scheduler, Runnable retry) {
            scheduler.schedule(retry, 1, TimeUnit.SECONDS);
        }
    }

    static final class LeasedSpringScheduled {
        @Scheduled(fixedRate = 60_000)
        @dev.exstate.spring.boot.scheduling.Leased
        void report() {
        }
    }

    static final class UsesLeasedScheduler {
        void start(LeasedScheduler scheduler) {
            scheduler.scheduleAtFixedRate("report", Duration.ofMinutes(1), ctx -> { });
        }
    }

    // ---- local files

    static final class FlaggedTempFile {
        File spool() throws IOException {
            return File.createTempFile("upload-", ".bin");
        }
    }

    static final class FlaggedFilesWrite {
        void save(Path dir, byte[] bytes) throws IOException {
            Files.write(dir.resolve("upload.bin"), bytes);
        }
    }

    static final class FlaggedFileOutputStream {
        OutputStream open(String name) throws IOException {
            return new FileOutputStream(name);
        }
    }

    static final class FlaggedPrintWriterOnFile {
        PrintWriter open(String name) throws IOException {
            return new PrintWriter(name);
        }
    }

    static final class FlaggedTmpDir {
        Path spoolDir() {
            return Path.of(System.getProperty("java.io.tmpdir"), "spool");
        }
    }

    static final class ReadsFiles {
        byte[] read(Path file) throws IOException {
            return Files.readAllBytes(file);
        }

        String render() {
            StringWriter out = new StringWriter();
            new PrintWriter(out).print("ok");
            return out.toString();
        }
    }

    // ---- sessions in process maps

    static final class FlaggedCartHandler implements HttpHandler {
        private final Map<String, List<String>> items = new ConcurrentHashMap<>();

        @Override
        public void handle(HttpExchange exchange) {
            items.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new ArrayList<>()).add("apple");
        }
    }

    static final class FlaggedUserMap {
        private final Map<String, String> userNames = new HashMap<>();

        void remember(String id, String name) {
            userNames.put(id, name);
        }
    }

    static final class RoutingHandler implements HttpHandler {
        private final Map<String, HttpHandler> routes = new HashMap<>();

        RoutingHandler(HttpHandler cart) {
            routes.put("/cart", cart);
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            routes.get(exchange.getRequestURI().getPath()).handle(exchange);
        }
    }

    static final class Histogram {
        private final Map<Integer, Long> buckets = new HashMap<>();

        void record(int bucket) {
            buckets.merge(bucket, 1L, Long::sum);
        }
    }

    // ---- config read once

    static final class FlaggedStaticEnv {
        static final String REGION = System.getenv("REGION");
    }

    static final class FlaggedLazyStatic {
        private static volatile String url;

        static String url() {
            if (url == null) {
                url = System.getProperty("db.url");
            }
            return url;
        }
    }

    enum FlaggedSingletonConfig {
        INSTANCE;

        private final int port;

        FlaggedSingletonConfig() {
            this.port = Integer.getInteger("port", 8080);
        }
    }

    static final class ReadsEachTime {
        String region() {
            return System.getenv("REGION");
        }
    }

    static final class FlaggedHandlerSettingsAtStart implements HttpHandler {
        private final String greeting;

        FlaggedHandlerSettingsAtStart(Map<String, String> config) {
            this.greeting = config.getOrDefault("shop.greeting", "hello");
        }

        @Override
        public void handle(HttpExchange ex) {
            ex.getResponseHeaders().add("X-Greeting", greeting);
        }
    }

    static final class HandlerReadsSettingsPerRequest implements HttpHandler {
        private final java.util.function.Function<String, String> config;

        HandlerReadsSettingsPerRequest(java.util.function.Function<String, String> config) {
            this.config = config;
        }

        @Override
        public void handle(HttpExchange ex) {
            ex.getResponseHeaders().add("X-Greeting", config.apply("shop.greeting"));
        }
    }

    // ---- clients per request

    static final class FlaggedHttpClientPerCall {
        String fetch(String url) throws IOException, InterruptedException {
            HttpClient client = HttpClient.newHttpClient();
            return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    static final class FlaggedConnectionPerCall {
        void save(String row) throws SQLException {
            try (Connection c = DriverManager.getConnection("jdbc:h2:mem:x")) {
                c.createStatement().execute(row);
            }
        }
    }

    static final class SharedClient {
        private final HttpClient client;

        SharedClient() {
            this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        }

        static HttpClient newClient() {
            return HttpClient.newHttpClient();
        }
    }

    // ---- unbounded pools

    static final class FlaggedCachedPool {
        ExecutorService pool() {
            return Executors.newCachedThreadPool();
        }
    }

    static final class FlaggedMaxValuePool {
        ExecutorService pool() {
            return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>());
        }
    }

    static final class BoundedPools {
        ExecutorService pool() {
            return new ThreadPoolExecutor(2, 4, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100));
        }

        ExecutorService fixed() {
            return Executors.newFixedThreadPool(4);
        }
    }
}
