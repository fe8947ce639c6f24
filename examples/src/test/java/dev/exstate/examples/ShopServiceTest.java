package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.memory.InMemoryBackend;
import dev.exstate.runtime.StateRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ShopService, two replicas on one in-memory backend")
class ShopServiceTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private InMemoryBackend backend;
    private final List<StateRuntime> runtimes = new ArrayList<>();
    private final List<ShopService> shops = new ArrayList<>();

    @BeforeEach
    void startTwoReplicas() throws Exception {
        backend = InMemoryBackend.create();
        backend.putConfig(Demo.CONFIG);
        for (int i = 0; i < 2; i++) {
            StateRuntime runtime = StateRuntime.builder("shop").inMemory(backend).build();
            runtimes.add(runtime);
            shops.add(ShopService.start(runtime, Duration.ofHours(1)));
        }
    }

    @AfterEach
    void stop() {
        shops.forEach(ShopService::close);
        runtimes.forEach(StateRuntime::close);
    }

    @Test
    @DisplayName("items added concurrently through both replicas to one session are all in the cart")
    void concurrentAddsAreNotLost() throws Exception {
        HttpResponse<String> first = send(0, "GET", "/cart", null, null);
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<HttpResponse<String>>> adds = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int replica = i % 2;
                String item = "item-" + i;
                adds.add(CompletableFuture.supplyAsync(() -> sendUnchecked(replica, "POST", "/cart/items", item, cookie), pool));
            }
            assertThat(adds).allSatisfy(f -> assertThat(f.get().statusCode()).isEqualTo(200));
        } finally {
            pool.shutdownNow();
        }

        Cart cart = Cart.JSON.decode(send(1, "GET", "/cart", null, cookie).body().getBytes(StandardCharsets.UTF_8));
        assertThat(cart.items()).hasSize(20)
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "item-" + i).toList());
    }

    @Test
    @DisplayName("a flag changed in the config backend reaches every replica without a restart")
    void flagChangeReachesEveryReplica() throws Exception {
        assertThat(send(0, "GET", "/flags", null, null).body()).isEqualTo("discount=true percent=10");

        backend.putConfig(java.util.Map.of("shop.discount", "false", "shop.discount-percent", "0"));

        for (int replica = 0; replica < 2; replica++) {
            int r = replica;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(send(r, "GET", "/flags", null, null).body()).isEqualTo("discount=false percent=0"));
        }
    }

    @Test
    @DisplayName("a file uploaded to one replica is served by the other; uploading it again is harmless")
    void fileUploadedToOneReplicaIsServedByTheOther() throws Exception {
        HttpResponse<String> created = send(0, "POST", "/files", "hello blob", null);
        HttpResponse<String> again = send(1, "POST", "/files", "hello blob", null);

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(created.body()).matches("[0-9a-f]{64}");
        HttpResponse<String> read = send(1, "GET", "/files/" + created.body(), null, null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("hello blob");
        assertThat(send(1, "GET", "/files/" + "0".repeat(64), null, null).statusCode()).isEqualTo(404);
        assertThat(send(1, "GET", "/files/..%2Fetc", null, null).statusCode()).isEqualTo(400);
    }

    @Test
    @DisplayName("liveness and readiness answer 200 while the replica is up")
    void healthEndpointsAnswer() throws Exception {
        assertThat(send(0, "GET", "/health/live", null, null)).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("UP");
        });
        assertThat(send(1, "GET", "/health/ready", null, null).statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> sendUnchecked(int replica, String method, String path, String body, String cookie) {
        try {
            return send(replica, method, path, body, cookie);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(int replica, String method, String path, String body, String cookie) throws Exception {
        URI uri = URI.create(shops.get(replica).baseUri() + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
