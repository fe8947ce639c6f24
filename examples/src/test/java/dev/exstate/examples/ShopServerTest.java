package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ShopServer, the shop as a server process")
class ShopServerTest {
    @Test
    @DisplayName("a PORT that is not a port number is refused, naming the variable")
    void badPortIsRefused() {
        for (String bad : new String[] {"http", "-1", "70000"}) {
            assertThatThrownBy(() -> ShopServer.start(Map.of(ShopServer.ENV_PORT, bad)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PORT").hasMessageContaining(bad);
        }
    }

    @Test
    @DisplayName("an S3 access key without its secret key is refused before anything starts")
    void halfS3CredentialsAreRefused() {
        assertThatThrownBy(() -> ShopServer.start(Map.of(ShopServer.ENV_PORT, "0", ShopServer.ENV_S3_ENDPOINT, "http://127.0.0.1:9",
                DemoOptions.ENV_S3_ACCESS_KEY, "key")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secret key");
    }

    @Test
    @DisplayName("without backend variables it serves from memory; after stop readiness is gone and the port is closed")
    void servesAndStops() throws Exception {
        ShopServer server = ShopServer.start(Map.of(ShopServer.ENV_PORT, "0"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        URI ready = URI.create("http://127.0.0.1:" + server.port() + ShopServer.READINESS_PATH);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("in memory, not shared between replicas");
        } finally {
            server.stop();
        }
        assertThat(server.runtime().health().readiness().up()).isFalse();
        assertThat(server.runtime().health().liveness().up()).isFalse();
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
    }
}
