package dev.exstate.examples.footprint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.examples.k8s.K8sManifests;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The footprint harness for a few seconds on real backends ({@code redis-server}, {@code etcd},
 * s3proxy), so it cannot rot: every figure the README's table shows must come out of it.
 */
@DisplayName("the footprint harness, briefly")
class FootprintIT {
    @Test
    @DisplayName("one replica in its own JVM: RSS, heap, threads, a connection to each backend, GC, CPU, requests answered, SIGTERM exit")
    void measuresOneReplica() throws Exception {
        Footprint.Settings settings = new Footprint.Settings(List.of(
                new Footprint.Phase("warm-up", 20, Duration.ofSeconds(2), false),
                new Footprint.Phase("idle", 0, Duration.ofSeconds(2), true),
                new Footprint.Phase("20 req/s", 20, Duration.ofSeconds(3), true)), K8sManifests.defaultDir(), 7);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        FootprintReport report = Footprint.run(settings, new PrintStream(progress, true, StandardCharsets.UTF_8));
        String text = report.render();

        assertThat(report.phases()).hasSize(3);
        for (FootprintReport.PhaseResult p : report.phases()) {
            String what = p.phase().name() + "\n" + text;
            assertThat(p.procSamples()).as(what).isPositive();
            assertThat(p.jvm().samples()).as(what).isPositive();
            assertThat(p.rssPeakBytes()).as(what).isGreaterThan(16L << 20);
            assertThat(p.heapUsedPeak()).as(what).isPositive();
            assertThat(p.jvm().heapCommittedMax()).as(what).isGreaterThanOrEqualTo(p.jvm().heapUsedMax());
            assertThat(p.jvm().liveThreadsMax()).as(what).isPositive();
            assertThat(p.osThreadsPeak()).as(what).isPositive();
            // the clients keep their connections open, idle or not
            assertThat(p.connections("redis")).as("redis connections, " + what).isPositive();
            assertThat(p.connections("etcd")).as("etcd connections, " + what).isPositive();
        }
        FootprintReport.PhaseResult loaded = report.top();
        assertThat(loaded.phase().rate()).isEqualTo(20);
        assertThat(loaded.load().statuses().getOrDefault("2xx", 0L)).as(text).isPositive();
        assertThat(loaded.cores()).as(text).isPositive();
        assertThat(report.shutdown()).as("the replica exits on SIGTERM\n" + text).isPresent();
        assertThat(text).containsPattern("implied: memory request = limit = peak RSS .* MiB \\(.*\\) x 1.3 = \\d+ Mi; cpu request = .* \\(20 req/s\\)");
    }
}
