package dev.exstate.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionStore;
import dev.exstate.testkit.backend.RedisServer;
import jakarta.servlet.http.HttpSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Spring Session on exstate across two replicas of a web application (Tomcat) on a real
 * redis-server: one client session, many concurrent requests alternating between the replicas,
 * each setting its own attribute. Spring Session's Redis repositories are known to lose
 * attributes this way (spring-session issues #1471, #3285); exstate writes only changed
 * attributes, so none may be lost.
 */
@DisplayName("HttpSession on exstate across two replicas on real Redis")
class ExstateHttpSessionIT {
    private static final Logger log = LoggerFactory.getLogger(ExstateHttpSessionIT.class);
    private static final int REQUESTS = 200;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static RedisServer redis;
    private static final List<ConfigurableApplicationContext> replicas = new ArrayList<>();
    private static final List<String> bases = new ArrayList<>();
    private static HttpClient http;

    @BeforeAll
    static void start() {
        redis = RedisServer.builder().start();
        for (int i = 0; i < 2; i++) {
            ConfigurableApplicationContext app = new SpringApplicationBuilder(SessionApp.class).properties(
                    "server.port=0",
                    "spring.application.name=session-it",
                    "exstate.require-shared-backends=sessions",
                    "exstate.redis.uri=" + redis.uri(),
                    "exstate.session.max-attributes=1000",
                    // 200 requests at once on a busy machine: room in the bulkhead, patience per call
                    "exstate.guard.redis.max-concurrent-calls=256",
                    "exstate.guard.redis.max-wait-for-slot=10s",
                    "exstate.guard.redis.timeout=5s",
                    "exstate.guard.redis.total-timeout=30s",
                    "server.tomcat.threads.max=" + REQUESTS).run();
            replicas.add(app);
            bases.add("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port"));
        }
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws Exception {
        replicas.forEach(ConfigurableApplicationContext::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @DisplayName("concurrent requests on one session, alternating between two replicas, each setting its own attribute, lose none")
    void concurrentRequestsLoseNoAttribute() throws Exception {
        HttpResponse<String> first = post(bases.get(0), "first", null);
        assertThat(first.statusCode()).isEqualTo(200);
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        assertThat(cookie).startsWith("SESSION=");

        List<CompletableFuture<HttpResponse<String>>> sent = IntStream.range(0, REQUESTS)
                .mapToObj(i -> postAsync(bases.get(i % 2), "a" + i, cookie)).toList();
        List<Integer> statuses = sent.stream().map(f -> f.join().statusCode()).toList();
        assertThat(statuses).as("every request answered 200").containsOnly(200);
        assertThat(sent.stream().map(f -> f.join().headers().firstValue("Set-Cookie")).filter(c -> c.isPresent()))
                .as("no request got a new session").isEmpty();

        Set<String> expected = IntStream.range(0, REQUESTS).mapToObj(i -> "a" + i).collect(Collectors.toCollection(TreeSet::new));
        expected.add("first");
        SessionId id = SessionId.of(new String(Base64.getDecoder().decode(cookie.substring("SESSION=".length())),
                StandardCharsets.UTF_8));
        Session stored = replicas.get(1).getBean(SessionStore.class).findFresh(id).orElseThrow();
        Set<String> lost = new TreeSet<>(expected);
        lost.removeAll(stored.attributeNames());
        log.info("{} concurrent requests on one session over two replicas: {} of {} attributes lost", REQUESTS,
                lost.size(), expected.size());
        System.out.printf("ExstateHttpSessionIT: %d concurrent requests over 2 replicas, attributes lost: %d of %d%n",
                REQUESTS, lost.size(), expected.size());
        assertThat(lost).as("attributes lost").isEmpty();
        assertThat(stored.attributeNames()).containsExactlyInAnyOrderElementsOf(expected);

        // and each replica's HttpSession shows them all (its near cache catches up by invalidation)
        for (String base : bases) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(get(base, cookie).body().split(",")).hasSize(expected.size()));
        }
    }

    private static HttpResponse<String> post(String base, String name, String cookie) throws Exception {
        return postAsync(base, name, cookie).get();
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(String base, String name, String cookie) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/attr/" + name)).timeout(PATIENCE)
                .POST(HttpRequest.BodyPublishers.noBody());
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String base, String cookie) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/attrs")).timeout(PATIENCE).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(AttributeController.class)
    static class SessionApp {
    }

    @RestController
    static class AttributeController {
        @PostMapping("/attr/{name}")
        String set(@PathVariable("name") String name, HttpSession session) {
            session.setAttribute(name, "value of " + name);
            return "ok";
        }

        @GetMapping("/attrs")
        String names(HttpSession session) {
            return String.join(",", new TreeSet<>(Collections.list(session.getAttributeNames())));
        }
    }
}
