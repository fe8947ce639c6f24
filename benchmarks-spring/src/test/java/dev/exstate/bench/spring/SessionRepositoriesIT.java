package dev.exstate.bench.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.session.Session;

/**
 * The benchmark fixture does what its numbers claim, on a real redis-server: both repositories
 * read back the same two attributes, each request benchmark stores a new cart that the other
 * replica (a fresh read) sees, and the two repositories store values differently (JSON vs JDK
 * serialization), as the benchmarks' README says.
 */
class SessionRepositoriesIT {
    private static final SessionRepositoryBenchmarks BENCH = new SessionRepositoryBenchmarks() { };
    private static SessionRepositoryBenchmarks.Backend backend;
    private static SessionRepositoryBenchmarks.PerThread thread;

    @BeforeAll
    static void start() {
        backend = new SessionRepositoryBenchmarks.Backend();
        backend.start();
        thread = new SessionRepositoryBenchmarks.PerThread();
        thread.setUp(backend);
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.stop();
        }
    }

    @Test
    void everyFindReadsTheSameAttributesOnBothSides() {
        assertThat(BENCH.find_exstate_nearCacheHit(thread)).isEqualTo(Cart.of(0));
        assertThat(BENCH.find_exstate_nearCacheMiss(thread)).isEqualTo(Cart.of(0));
        assertThat(BENCH.find_springSession(thread)).isEqualTo(Cart.of(0));
        assertThat(BENCH.request_read_exstate(thread)).isEqualTo(Cart.of(0));
        assertThat(BENCH.request_read_springSession(thread)).isEqualTo(Cart.of(0));
        assertThat(backend.store.nearCacheStats().orElseThrow().hits()).isPositive();
    }

    @Test
    void everyRequestBenchmarkStoresItsNewCart() {
        Session exstate = BENCH.request_set_exstate(thread);
        assertThat(stored(backend.exstateNoCache.findById(exstate.getId()))).isEqualTo(exstate.<Cart>getAttribute("cart"));

        Session exstateNoCache = BENCH.request_set_exstate_nearCacheOff(thread);
        assertThat(stored(backend.exstateNoCache.findById(exstateNoCache.getId())))
                .isEqualTo(exstateNoCache.<Cart>getAttribute("cart"));

        Session spring = BENCH.request_set_springSession(thread);
        assertThat(stored(backend.spring.findById(spring.getId()))).isEqualTo(spring.<Cart>getAttribute("cart"));

        assertThat(List.of(exstate.<Cart>getAttribute("cart"), exstateNoCache.<Cart>getAttribute("cart"),
                spring.<Cart>getAttribute("cart"))).doesNotContain(Cart.of(0));
    }

    @Test
    void exstateStoresJsonAndSpringSessionJavaSerialization() {
        String exstateKey = "exstate:" + SessionRepositoryBenchmarks.APP + ":session:{" + thread.exstateReadId + "}";
        String exstateCart = String.valueOf(backend.server.call("HGET", exstateKey, "a:cart"));
        assertThat(exstateCart).isEqualTo(Cart.class.getName() + "\n{\"sku\":\"A-100\",\"quantity\":1,\"totalCents\":1570}");

        String springKey = "spring:session:sessions:" + thread.springReadId;
        String springCart = String.valueOf(backend.server.call("HGET", springKey, "sessionAttr:cart"));
        assertThat(springCart).contains(Cart.class.getName()).doesNotContain("{\"sku\"");
    }

    private static Cart stored(Session s) {
        return s.getAttribute("cart");
    }
}
