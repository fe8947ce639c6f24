package dev.exstate.examples.k8s;

import static dev.exstate.examples.k8s.K8sManifests.bytes;
import static dev.exstate.examples.k8s.K8sManifests.container;
import static dev.exstate.examples.k8s.K8sManifests.containers;
import static dev.exstate.examples.k8s.K8sManifests.list;
import static dev.exstate.examples.k8s.K8sManifests.map;
import static dev.exstate.examples.k8s.K8sManifests.millicores;
import static dev.exstate.examples.k8s.K8sManifests.podSpec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.etcd.EtcdOptions;
import dev.exstate.examples.DemoOptions;
import dev.exstate.examples.ShopServer;
import dev.exstate.health.BackendHealth;
import dev.exstate.objectstore.S3Options;
import dev.exstate.redis.RedisOptions;
import dev.exstate.runtime.StateRuntime;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under {@code examples/k8s}, parsed, against the facts that matter: the probes hit
 * paths the running shop answers (asked of a real {@link ShopServer} on the in-memory backend),
 * liveness never consults a backend, the grace period covers preStop plus the code's shutdown
 * budget, every container has requests and limits (the shop's equal to what the published
 * footprint measurement implies), and the HPA, PDB and Service point at the Deployment's pods.
 */
@DisplayName("the Kubernetes manifests in examples/k8s")
class K8sManifestsTest {
    private static final Pattern IMPLIED = Pattern.compile("implied: memory request = limit = .* = (\\d+) Mi; cpu request = .* = (\\d+) m");

    private static K8sManifests manifests;
    private static K8sManifests.Doc deployment;
    private static Map<String, Object> shop;
    private static ShopServer server;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    @BeforeAll
    static void load() throws IOException {
        manifests = K8sManifests.load(K8sManifests.defaultDir());
        deployment = manifests.shopDeployment();
        shop = container(deployment, "shop");
        // the real server process's code path: no backend variables, so every capability in memory
        server = ShopServer.start(Map.of(ShopServer.ENV_PORT, "0"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    @DisplayName("every file parses, every object names its kind and name, and the kustomization lists every file")
    void everyFileParsesAndIsListed() throws IOException {
        assertThat(manifests.all()).hasSizeGreaterThanOrEqualTo(7);
        for (K8sManifests.Doc d : manifests.all()) {
            assertThat(d.body()).as(d.file() + ": apiVersion and kind").containsKeys("apiVersion", "kind");
            if (!d.kind().equals("Kustomization")) {
                assertThat(d.name()).as(d.file() + ": metadata.name").isNotBlank().isNotEqualTo("null");
            }
        }
        K8sManifests.Doc kustomization = manifests.ofKind("Kustomization").get(0);
        List<String> listed = ((List<?>) kustomization.body().get("resources")).stream().map(String::valueOf).toList();
        List<String> files;
        try (Stream<Path> s = Files.list(manifests.dir())) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .sorted().toList();
        }
        assertThat(listed).as("resources of kustomization.yaml").containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    @DisplayName("liveness and readiness probe different paths, and the running shop answers both with 200")
    void probePathsExistInTheApp() throws Exception {
        String live = probePath("livenessProbe");
        String ready = probePath("readinessProbe");
        assertThat(live).isEqualTo(ShopServer.LIVENESS_PATH).isNotEqualTo(ready);
        assertThat(ready).isEqualTo(ShopServer.READINESS_PATH);
        assertThat(probePath("startupProbe")).as("the startup probe guards liveness, so it asks the same").isEqualTo(live);
        assertThat(get(live).statusCode()).isEqualTo(200);
        assertThat(get(ready).statusCode()).isEqualTo(200);
        assertThat(get("/health/nothing-here").statusCode()).as("a path the app does not serve").isEqualTo(404);
    }

    @Test
    @DisplayName("with a backend DOWN, the liveness path stays 200 without consulting it, and the readiness path is 503")
    void livenessNeverTouchesABackend() throws Exception {
        ShopServer own = ShopServer.start(Map.of(ShopServer.ENV_PORT, "0"));
        try {
            AtomicInteger asked = new AtomicInteger();
            String marker = "k8s-test-backend";
            own.runtime().health().register(() -> {
                asked.incrementAndGet();
                return BackendHealth.down(marker, "unreachable (test)");
            });
            HttpResponse<String> live = get(own, probePath("livenessProbe"));
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(asked).as("backend health consulted by the liveness probe").hasValue(0);
            HttpResponse<String> ready = get(own, probePath("readinessProbe"));
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains(marker);
            assertThat(asked.get()).as("backend health consulted by the readiness probe").isPositive();
        } finally {
            own.stop();
        }
    }

    @Test
    @DisplayName("probes and the Service use the container's port, which is the port the server listens on")
    void portsMatch() {
        Map<String, Object> port = list(shop, "ports").get(0);
        assertThat(port.get("containerPort")).isEqualTo(ShopServer.DEFAULT_PORT);
        assertThat(K8sManifests.env(shop, ShopServer.ENV_PORT)).hasValue(Integer.toString(ShopServer.DEFAULT_PORT));
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            Object p = map(map(shop, probe), "httpGet").get("port");
            assertThat(p).as(probe + " port").isIn(port.get("name"), port.get("containerPort"));
        }
        K8sManifests.Doc service = manifests.get("Service", "shop");
        for (Map<String, Object> sp : list(map(service.body(), "spec"), "ports")) {
            assertThat(sp.get("targetPort")).as("Service targetPort").isIn(port.get("name"), port.get("containerPort"));
        }
    }

    @Test
    @DisplayName("the grace period covers preStop plus ShopServer.SHUTDOWN_BUDGET, and preStop comes before SIGTERM")
    void gracePeriodCoversShutdown() {
        Map<String, Object> preStop = map(map(shop, "lifecycle"), "preStop");
        long preStopSeconds;
        if (preStop.containsKey("sleep")) {
            preStopSeconds = ((Number) map(preStop, "sleep").get("seconds")).longValue();
        } else {
            List<?> command = (List<?>) map(preStop, "exec").get("command");
            assertThat(command).as("preStop command").hasSize(2).first().isEqualTo("sleep");
            preStopSeconds = Long.parseLong(String.valueOf(command.get(1)));
        }
        assertThat(preStopSeconds).as("preStop sleep, so endpoints go before SIGTERM").isBetween(1L, 30L);
        long grace = ((Number) map(podSpec(deployment), "spec").get("terminationGracePeriodSeconds")).longValue();
        assertThat(Duration.ofSeconds(grace)).as("terminationGracePeriodSeconds")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(preStopSeconds).plus(ShopServer.SHUTDOWN_BUDGET));
    }

    @Test
    @DisplayName("the startup probe waits as long as the three backends' start-up timeouts, one after another")
    void startupProbeCoversBackendStartup() {
        Duration backends = RedisOptions.standalone("redis://redis:6379").build().startupTimeout()
                .plus(EtcdOptions.builder("http://etcd:2379").build().startupTimeout())
                .plus(S3Options.builder().endpoint("http://minio:9000").bucket("shop-files").build().startupTimeout());
        Map<String, Object> probe = map(shop, "startupProbe");
        long seconds = ((Number) probe.get("periodSeconds")).longValue() * ((Number) probe.get("failureThreshold")).longValue();
        assertThat(Duration.ofSeconds(seconds)).as("startupProbe periodSeconds x failureThreshold").isGreaterThanOrEqualTo(backends);
    }

    @Test
    @DisplayName("every container has cpu and memory requests and limits, requests within limits")
    void everyContainerHasRequestsAndLimits() {
        List<K8sManifests.Doc> workloads = new ArrayList<>(manifests.ofKind("Deployment"));
        workloads.addAll(manifests.ofKind("StatefulSet"));
        assertThat(workloads).isNotEmpty();
        for (K8sManifests.Doc w : workloads) {
            for (Map<String, Object> c : containers(w)) {
                String what = w + " container " + c.get("name");
                Map<String, Object> requests = map(map(c, "resources"), "requests");
                Map<String, Object> limits = map(map(c, "resources"), "limits");
                assertThat(requests).as(what + " requests").containsKeys("cpu", "memory");
                assertThat(limits).as(what + " limits").containsKeys("cpu", "memory");
                assertThat(millicores(requests.get("cpu"))).as(what + " cpu").isPositive().isLessThanOrEqualTo(millicores(limits.get("cpu")));
                assertThat(bytes(requests.get("memory"))).as(what + " memory").isPositive().isLessThanOrEqualTo(bytes(limits.get("memory")));
            }
        }
    }

    @Test
    @DisplayName("the shop's resources are the figures its published footprint measurement implies, and the heap fits the limit")
    void resourcesComeFromTheMeasurement() throws IOException {
        Path results = Path.of("..", "benchmarks", "results");
        Path latest;
        try (Stream<Path> s = Files.list(results)) {
            latest = s.filter(p -> p.getFileName().toString().matches("footprint-.*\\.txt"))
                    .max(Comparator.comparing(p -> p.getFileName().toString())).orElseThrow();
        }
        Matcher m = IMPLIED.matcher(Files.readString(latest, StandardCharsets.UTF_8));
        assertThat(m.find()).as("the implied resources line of " + latest).isTrue();
        Map<String, Object> requests = map(map(shop, "resources"), "requests");
        Map<String, Object> limits = map(map(shop, "resources"), "limits");
        assertThat(bytes(requests.get("memory"))).as("memory request, from " + latest).isEqualTo(Long.parseLong(m.group(1)) << 20);
        assertThat(bytes(limits.get("memory"))).as("memory limit = request: the JVM does not give memory back quickly")
                .isEqualTo(bytes(requests.get("memory")));
        assertThat(millicores(requests.get("cpu"))).as("cpu request, from " + latest).isEqualTo(Long.parseLong(m.group(2)));
        String jvm = K8sManifests.env(shop, "JAVA_TOOL_OPTIONS").orElseThrow();
        assertThat(jvm).as("heap sized from the limit, never fixed").contains("-XX:MaxRAMPercentage=").doesNotContain("-Xmx");
        Matcher pct = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(jvm);
        assertThat(pct.find()).isTrue();
        assertThat(Integer.parseInt(pct.group(1))).as("heap share of the limit, leaving room for metaspace, stacks, buffers")
                .isBetween(25, 75);
    }

    @Test
    @DisplayName("the HPA scales the shop Deployment, never below two replicas")
    void hpaTargetsTheDeployment() {
        K8sManifests.Doc hpa = manifests.ofKind("HorizontalPodAutoscaler").get(0);
        assertThat(hpa.body().get("apiVersion")).isEqualTo("autoscaling/v2");
        Map<String, Object> spec = map(hpa.body(), "spec");
        Map<String, Object> target = map(spec, "scaleTargetRef");
        assertThat(target).containsEntry("kind", "Deployment").containsEntry("name", deployment.name())
                .containsEntry("apiVersion", deployment.body().get("apiVersion"));
        assertThat(((Number) spec.get("minReplicas")).intValue()).isGreaterThanOrEqualTo(2);
        assertThat(((Number) spec.get("maxReplicas")).intValue()).isGreaterThan(((Number) spec.get("minReplicas")).intValue());
    }

    @Test
    @DisplayName("the Deployment, PDB and Service selectors all match the pod template's labels")
    void selectorsMatchThePods() {
        Map<String, Object> podLabels = map(map(podSpec(deployment), "metadata"), "labels");
        assertThat(podLabels).containsAllEntriesOf(matchLabels(map(deployment.body(), "spec")));
        K8sManifests.Doc pdb = manifests.ofKind("PodDisruptionBudget").get(0);
        assertThat(pdb.body().get("apiVersion")).isEqualTo("policy/v1");
        Map<String, Object> pdbSelector = matchLabels(map(pdb.body(), "spec"));
        assertThat(pdbSelector).isNotEmpty();
        assertThat(podLabels).as("pod labels, selected by the PDB").containsAllEntriesOf(pdbSelector);
        Map<String, Object> serviceSelector = map(map(manifests.get("Service", "shop").body(), "spec"), "selector");
        assertThat(serviceSelector).isNotEmpty();
        assertThat(podLabels).as("pod labels, selected by the Service").containsAllEntriesOf(serviceSelector);
    }

    @Test
    @DisplayName("the ConfigMap holds only variables the server reads, with addresses the backends' options accept, and every Secret key the pod asks for exists")
    void configAndSecretsMatchTheServer() {
        Set<String> known = Set.of(ShopServer.ENV_APP, ShopServer.ENV_PORT, ShopServer.ENV_REDIS_URI, ShopServer.ENV_REDIS_USERNAME,
                ShopServer.ENV_ETCD_ENDPOINTS, ShopServer.ENV_ETCD_USERNAME, ShopServer.ENV_S3_ENDPOINT, ShopServer.ENV_S3_BUCKET,
                ShopServer.ENV_S3_REGION, StateRuntime.REQUIRE_SHARED_BACKENDS_ENV);
        Map<String, Object> envFrom = list(shop, "envFrom").get(0);
        K8sManifests.Doc config = manifests.get("ConfigMap", String.valueOf(map(envFrom, "configMapRef").get("name")));
        Map<String, Object> data = map(config.body(), "data");
        assertThat(data.keySet()).as("ConfigMap keys").isSubsetOf(known);
        // the addresses are what the backends' options accept (each build() throws IllegalArgumentException otherwise)
        String redis = String.valueOf(data.get(ShopServer.ENV_REDIS_URI));
        assertThat((redis.startsWith("redis-sentinel://") ? RedisOptions.sentinel(redis) : RedisOptions.standalone(redis)).build()
                .uris()).isNotEmpty();
        assertThat(EtcdOptions.builder(List.of(String.valueOf(data.get(ShopServer.ENV_ETCD_ENDPOINTS)).split(","))).build()
                .endpoints()).hasSize(3);
        assertThat(S3Options.builder().endpoint(String.valueOf(data.get(ShopServer.ENV_S3_ENDPOINT)))
                .bucket(String.valueOf(data.get(ShopServer.ENV_S3_BUCKET))).region(String.valueOf(data.get(ShopServer.ENV_S3_REGION)))
                .build().bucket()).isEqualTo(data.get(ShopServer.ENV_S3_BUCKET));
        Map<String, K8sManifests.Doc> secrets = new HashMap<>();
        manifests.ofKind("Secret").forEach(s -> secrets.put(s.name(), s));
        Set<String> secretEnv = Set.of(ShopServer.ENV_REDIS_PASSWORD, ShopServer.ENV_ETCD_PASSWORD, DemoOptions.ENV_S3_ACCESS_KEY,
                DemoOptions.ENV_S3_SECRET_KEY);
        for (Map<String, Object> e : list(shop, "env")) {
            if (e.get("valueFrom") == null) {
                assertThat(secretEnv).as("a credential given as a plain value: " + e.get("name")).doesNotContain(String.valueOf(e.get("name")));
                continue;
            }
            Map<String, Object> ref = map(map(e, "valueFrom"), "secretKeyRef");
            K8sManifests.Doc secret = secrets.get(String.valueOf(ref.get("name")));
            assertThat(secret).as("Secret " + ref.get("name")).isNotNull();
            assertThat(map(secret.body(), "stringData")).as("keys of " + secret).containsKey(String.valueOf(ref.get("key")));
            assertThat(secretEnv).as("variable from a Secret").contains(String.valueOf(e.get("name")));
        }
    }

    private static Map<String, Object> matchLabels(Map<String, Object> spec) {
        return map(map(spec, "selector"), "matchLabels");
    }

    private static String probePath(String probe) {
        return String.valueOf(map(map(shop, probe), "httpGet").get("path"));
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(server, path);
    }

    private static HttpResponse<String> get(ShopServer to, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + to.port() + path);
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
