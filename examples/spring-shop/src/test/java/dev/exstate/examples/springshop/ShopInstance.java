package dev.exstate.examples.springshop;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One instance of the shop in a child JVM, started as an operator would: {@code java -cp ...
 * SpringShopApplication} with properties as arguments, in a working directory of its own where it
 * writes {@code application.port}. Ready when that file exists and readiness answers 200.
 */
final class ShopInstance implements AutoCloseable {
    private static final Duration START_WAIT = Duration.ofSeconds(120);
    private static final Pattern TICK = Pattern.compile("\"tick\":(\\d+),\"fencingToken\":(\\d+),\"finished\":(true|false)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** One report run as the instance tells it. */
    record Run(long tick, long fencingToken, boolean finished) {
    }

    private final String name;
    private final Process process;
    private final Path dir;
    private final URI base;

    private ShopInstance(String name, Process process, Path dir, URI base) {
        this.name = name;
        this.process = process;
        this.dir = dir;
        this.base = base;
    }

    static ShopInstance start(String name, Map<String, String> properties) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("spring-shop-" + name + "-");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), SpringShopApplication.class.getName(), "--server.port=0"));
        properties.forEach((k, v) -> command.add("--" + k + "=" + v));
        Path log = dir.resolve("shop.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Path portFile = dir.resolve("application.port");
        long until = System.nanoTime() + START_WAIT.toNanos();
        while (!Files.exists(portFile) || Files.readString(portFile).isBlank()) {
            if (!p.isAlive()) {
                throw new IllegalStateException("shop " + name + " exited with " + p.exitValue() + " while starting; log:\n" + tail(log));
            }
            if (System.nanoTime() - until > 0) {
                p.destroyForcibly();
                throw new IllegalStateException("shop " + name + " did not start within " + START_WAIT + "; log:\n" + tail(log));
            }
            Thread.sleep(100);
        }
        URI base = URI.create("http://127.0.0.1:" + Files.readString(portFile).strip());
        ShopInstance shop = new ShopInstance(name, p, dir, base);
        while (shop.status("/actuator/health/readiness") != 200) {
            if (System.nanoTime() - until > 0) {
                shop.close();
                throw new IllegalStateException("shop " + name + " not ready within " + START_WAIT + "; log:\n" + tail(log));
            }
            Thread.sleep(200);
        }
        return shop;
    }

    URI baseUri() {
        return base;
    }

    long pid() {
        return process.pid();
    }

    String get(String path) throws IOException, InterruptedException {
        return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString()).body();
    }

    int status(String path) {
        try {
            return HTTP.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The report runs this instance has made so far. */
    List<Run> runs() throws IOException, InterruptedException {
        List<Run> runs = new ArrayList<>();
        Matcher m = TICK.matcher(get("/report/runs"));
        while (m.find()) {
            runs.add(new Run(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Boolean.parseBoolean(m.group(3))));
        }
        return runs;
    }

    /** SIGTERM, as Kubernetes sends on scale-in; true if it exited within {@code wait}. */
    boolean terminate(Duration wait) throws InterruptedException {
        process.destroy();
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    int exitCode() {
        return process.exitValue();
    }

    String log() {
        return tail(dir.resolve("shop.log"));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive() && !terminate(Duration.ofSeconds(60))) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return "shop " + name + " (pid " + process.pid() + ", " + base + ")";
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).build();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
