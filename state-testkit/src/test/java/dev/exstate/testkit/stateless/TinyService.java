package dev.exstate.testkit.stateless;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP service for testing the checks: a per-client counter and item list (client known by
 * cookie C), notes and files with generated ids, a random id, and optionally a job. Where its state lives is the
 * point: in a {@link Store} the world shares (stateless), or in one per replica (stateful).
 */
final class TinyService implements Replica {

    /** The state a replica keeps; shared through the world or private to one replica. */
    static final class Store {
        final Map<String, Integer> counts = new ConcurrentHashMap<>();
        final Map<String, String> notes = new ConcurrentHashMap<>();
        final Map<String, List<String>> items = new ConcurrentHashMap<>();
        final Map<String, byte[]> files = new ConcurrentHashMap<>();
        final AtomicInteger noteSeq = new AtomicInteger();
        final AtomicInteger clientSeq = new AtomicInteger();
        final Set<Long> claimedTicks = ConcurrentHashMap.newKeySet();
        final AtomicBoolean ready = new AtomicBoolean(true);
        final AtomicInteger readinessAnswers = new AtomicInteger();
    }

    enum Jobs { NONE, ONE_REPLICA_PER_TICK, EVERY_REPLICA }

    static final long JOB_PERIOD_MS = 10;

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService timer;
    private final List<JobRun> runs = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    private TinyService(Store store, Jobs jobs, boolean hang, Queue<String> received) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        handlers = Executors.newFixedThreadPool(2, r -> daemon(r, "tiny-http"));
        server.setExecutor(handlers);
        server.createContext("/", ex -> {
            try (ex) {
                if (received != null) {
                    received.add(server.getAddress().getPort() + " " + ex.getRequestMethod() + " " + ex.getRequestURI()
                            + " tenant=" + ex.getRequestHeaders().getFirst("X-Tenant")
                            + " type=" + ex.getRequestHeaders().getFirst("Content-Type")
                            + " cookie=" + ex.getRequestHeaders().getFirst("Cookie")
                            + " body=" + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                }
                if (hang) {
                    closing.await(10, TimeUnit.SECONDS);
                    return;
                }
                handle(store, ex);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        if (jobs == Jobs.NONE) {
            timer = null;
        } else {
            timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tiny-job"));
            AtomicLong localTick = new AtomicLong();
            timer.scheduleAtFixedRate(() -> {
                if (jobs == Jobs.EVERY_REPLICA) {
                    runs.add(new JobRun("report", localTick.getAndIncrement()));
                } else {
                    long tick = System.currentTimeMillis() / JOB_PERIOD_MS;
                    if (store.claimedTicks.add(tick)) {
                        runs.add(new JobRun("report", tick));
                    }
                }
            }, 0, JOB_PERIOD_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** State in the world: every replica of a world sees the same store. */
    static ReplicaFactory stateless(Jobs jobs) {
        return world -> new TinyService(world.shared("store", Store::new), jobs, false, null);
    }

    /** State in the process: each replica has its own store. */
    static ReplicaFactory stateful(Jobs jobs) {
        return world -> new TinyService(new Store(), jobs, false, null);
    }

    /** Stateless, and records every request it receives as "port METHOD uri tenant=.. type=.. cookie=.. body=..". */
    static ReplicaFactory recording(Queue<String> received) {
        return world -> new TinyService(world.shared("store", Store::new), Jobs.NONE, false, received);
    }

    /** Stateless, but the second replica of the group never answers (until closed). */
    static ReplicaFactory secondReplicaHangs() {
        return world -> {
            int index = world.<AtomicInteger>shared("started", AtomicInteger::new).getAndIncrement();
            return new TinyService(world.shared("store", Store::new), Jobs.NONE, !world.isBaseline() && index == 1, null);
        };
    }

    private static void handle(Store store, HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        String client = clientCookie(ex);
        if (client == null) {
            client = "c" + store.clientSeq.incrementAndGet();
            ex.getResponseHeaders().add("Set-Cookie", "C=" + client + "; Path=/; HttpOnly");
        }
        if (path.equals("/count") && method.equals("POST")) {
            respond(ex, 200, "count=" + store.counts.merge(client, 1, Integer::sum));
        } else if (path.equals("/count")) {
            respond(ex, 200, "count=" + store.counts.getOrDefault(client, 0));
        } else if (path.equals("/notes") && method.equals("POST")) {
            String id = "n" + store.noteSeq.incrementAndGet();
            store.notes.put(id, new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            respond(ex, 201, "id=" + id);
        } else if (path.startsWith("/notes/")) {
            String note = store.notes.get(path.substring("/notes/".length()));
            respond(ex, note == null ? 404 : 200, note == null ? "no such note" : note);
        } else if (path.equals("/items") && method.equals("POST")) {
            String item = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            store.items.computeIfAbsent(client, k -> new CopyOnWriteArrayList<>()).add(item);
            respond(ex, 200, "added " + item);
        } else if (path.equals("/items")) {
            respond(ex, 200, String.join(",", store.items.getOrDefault(client, List.of())));
        } else if (path.equals("/files") && method.equals("POST")) {
            String id = "f" + store.noteSeq.incrementAndGet();
            store.files.put(id, ex.getRequestBody().readAllBytes());
            respond(ex, 201, "id=" + id);
        } else if (path.startsWith("/files/")) {
            byte[] file = store.files.get(path.substring("/files/".length()));
            if (file == null) {
                respond(ex, 404, "no such file");
            } else {
                ex.sendResponseHeaders(200, file.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(file);
                }
            }
        } else if (path.equals("/health/ready")) {
            boolean up = store.ready.get();
            store.readinessAnswers.incrementAndGet();
            respond(ex, up ? 200 : 503, up ? "UP" : "DOWN");
        } else if (path.equals("/random")) {
            respond(ex, 200, "order " + UUID.randomUUID());
        } else if (path.equals("/logout")) {
            ex.getResponseHeaders().add("Set-Cookie", "C=; Max-Age=0; Path=/");
            respond(ex, 204, "");
        } else {
            respond(ex, 404, "unknown " + path);
        }
    }

    private static String clientCookie(HttpExchange ex) {
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith("C=")) {
                    return p.substring(2);
                }
            }
        }
        return null;
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public List<JobRun> jobRuns() {
        return List.copyOf(runs);
    }

    @Override
    public void close() {
        closing.countDown();
        if (timer != null) {
            timer.shutdownNow();
        }
        server.stop(0);
        handlers.shutdownNow();
    }
}
