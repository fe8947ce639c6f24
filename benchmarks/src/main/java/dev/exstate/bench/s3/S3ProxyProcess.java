package dev.exstate.bench.s3;

import dev.exstate.testkit.s3.S3ProxyServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * s3proxy (filesystem backend in a temporary directory) in a child JVM, so that the benchmark
 * JVM's heap, GC and allocation figures belong to the S3 client alone. The child runs
 * {@link #main} from the same class path and exits when its stdin closes (also if the parent
 * dies).
 */
final class S3ProxyProcess implements AutoCloseable {
    static final String BUCKET = "bench-bucket";
    private static final String READY = "S3PROXY-READY ";

    private final Process process;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final Path dataDir;

    private S3ProxyProcess(Process process, URI endpoint, String accessKey, String secretKey, Path dataDir) {
        this.process = process;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.dataDir = dataDir;
    }

    static S3ProxyProcess start() throws IOException {
        SecureRandom random = new SecureRandom();
        String access = "bench" + HexFormat.of().formatHex(random.generateSeed(4));
        String secret = HexFormat.of().formatHex(random.generateSeed(16));
        Path dir = Files.createTempDirectory("exstate-bench-s3-");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xms512m", "-Xmx2g", "-XX:+UseG1GC",
                "-cp", System.getProperty("java.class.path"), S3ProxyProcess.class.getName(), dir.toString()));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        // the secret goes through the environment, not the command line
        pb.environment().put("BENCH_S3_ACCESS", access);
        pb.environment().put("BENCH_S3_SECRET", secret);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((line = out.readLine()) != null) {
            if (line.startsWith(READY)) {
                URI endpoint = URI.create(line.substring(READY.length()).trim());
                return new S3ProxyProcess(p, endpoint, access, secret, dir);
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("s3proxy child did not report ready; exit " + (p.isAlive() ? "none" : p.exitValue()));
    }

    URI endpoint() {
        return endpoint;
    }

    String accessKey() {
        return accessKey;
    }

    String secretKey() {
        return secretKey;
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
        deleteTree(dataDir);
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    /** Child side: serve until stdin closes. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        try (S3ProxyServer server = S3ProxyServer.builder()
                .filesystemBackend(dir)
                .credentials(System.getenv("BENCH_S3_ACCESS"), System.getenv("BENCH_S3_SECRET"))
                .build()
                .start()) {
            server.createBucket(BUCKET);
            System.out.println(READY + server.endpoint());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin (or die)
            }
        }
        System.exit(0);
    }
}
