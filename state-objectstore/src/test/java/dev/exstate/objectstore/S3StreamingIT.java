package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A large generated object (256 MiB by default; 1 GiB with {@code -Plarge}, property
 * {@code exstate.streaming.bytes}) goes up and comes back through a client JVM whose heap is
 * limited to 256 MiB, with its SHA-256 checked on the way back. The client runs in its own JVM
 * ({@link StreamingClient}) so that its heap holds nothing but the store; s3proxy runs here, on a
 * filesystem backend.
 */
@DisplayName("S3BlobStore streaming in bounded memory")
class S3StreamingIT {
    private static final Logger LOG = LoggerFactory.getLogger(S3StreamingIT.class);
    private static final long DEFAULT_BYTES = 256L * 1024 * 1024;

    @Test
    @DisplayName("a large object goes up and comes back intact through a client JVM limited to -Xmx256m")
    void largeObjectThroughSmallHeap() throws Exception {
        long size = Long.getLong("exstate.streaming.bytes", DEFAULT_BYTES);
        try (S3TestEndpoint s3 = S3TestEndpoint.startFilesystem()) {
            String bucket = s3.createBucket(S3TestEndpoint.freshBucketName());
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    StreamingClient.class.getName(), s3.endpoint().toString(), bucket, Long.toString(size))
                    .redirectErrorStream(true);
            pb.environment().put("EXSTATE_S3_ACCESS_KEY", s3.accessKey());
            pb.environment().put("EXSTATE_S3_SECRET_KEY", s3.secretKey());
            Process client = pb.start();
            List<String> output = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        output.add(line);
                    }
                } catch (IOException e) {
                    output.add("(output lost: " + e + ")");
                }
            }, "exstate-streaming-client-output");
            reader.setDaemon(true);
            reader.start();
            // generous: about 1 MiB/s would still pass
            boolean ended = client.waitFor(60 + size / (1 << 20), TimeUnit.SECONDS);
            if (!ended) {
                client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
            String result = output.stream().filter(l -> l.startsWith("RESULT")).findFirst().orElse("(no result)");
            LOG.info("streaming {} MiB through -Xmx256m: {}", size >> 20, result);

            assertThat(ended).as("client finished").isTrue();
            assertThat(client.exitValue()).as("client exit code; output:%n%s", String.join("\n", output)).isZero();
            assertThat(result).contains("intact=true").contains("size=" + size);
        }
    }
}
