package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.codec.Codec;
import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.spi.ConfigBackend;
import dev.exstate.config.spi.PublishingConfigSource;
import dev.exstate.guard.Fallback;
import dev.exstate.guard.Guard;
import dev.exstate.guard.GuardPolicy;
import dev.exstate.guard.Operation;
import dev.exstate.health.HealthReport;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.runtime.StateRuntime;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionStore;
import dev.exstate.time.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The snippets of {@code state-core/README.md} marked "checked", with the code as printed there,
 * run against the in-memory backends. Change a snippet here and in that README together.
 */
@DisplayName("state-core README snippets")
class ReadmeSnippetsCoreTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    @DisplayName("two runtimes on one InMemoryBackend share a session, and it expires when the manual clock passes the idle timeout")
    void inMemoryReplicasOnAManualClock() {
        ManualClock clock = new ManualClock();
        InMemoryBackend backend = InMemoryBackend.create(clock);       // expiry follows the manual clock
        StateRuntime replicaA = StateRuntime.builder("shop").inMemory(backend).build();
        StateRuntime replicaB = StateRuntime.builder("shop").inMemory(backend).build();   // the runtime takes the backend's clock
        toClose.add(replicaA);
        toClose.add(replicaB);

        Session s = replicaA.sessions().create(init -> init.putString("user", "ada"));
        boolean seenByB = replicaB.sessions().find(s.id()).isPresent();   // true: one shared store
        clock.advance(Duration.ofMinutes(31));                           // past the default 30 min idle timeout
        boolean expired = replicaB.sessions().find(s.id()).isEmpty();     // true, without sleeping
        backend.putConfig("shop.discount", "true");                      // admin write: one new revision

        assertThat(seenByB).isTrue();
        assertThat(expired).isTrue();
        assertThat(replicaA.config().current().getBoolean("shop.discount", false)).isTrue();
    }

    interface FlagClient {
        boolean isOn(String flag) throws IOException;
    }

    @Test
    @DisplayName("a guarded call answers the fallback value when the call fails, and the real answer otherwise")
    void guardWithValueFallback() {
        for (boolean up : new boolean[] {true, false}) {
            FlagClient flagClient = flag -> {
                if (!up) {
                    throw new IOException("connection refused");
                }
                return true;
            };

            Guard flags = Guard.create("flag-service", GuardPolicy.builder()
                    .timeout(Duration.ofMillis(300)).totalTimeout(Duration.ofSeconds(1)).build());
            toClose.add(flags);
            boolean discountOn = flags.call(Operation.idempotent("flag.get"), () -> flagClient.isOn("discount"),
                    Fallback.value(false));                                  // down, slow or breaker open: feature off

            assertThat(discountOn).isEqualTo(up);
            assertThat(flags.stats().fallbacks()).isEqualTo(up ? 0 : 1);
        }
    }

    record Cart(List<String> items) {}

    @Test
    @DisplayName("a JSON-coded attribute is changed atomically by compute and read back as the record")
    void jsonCodecCompute() {
        StateRuntime state = StateRuntime.builder("shop").inMemory(InMemoryBackend.create()).build();
        toClose.add(state);
        SessionStore sessions = state.sessions();
        SessionId id = sessions.create().id();

        for (int i = 0; i < 2; i++) {
            Cart cart = sessions.compute(id, "cart", Codec.json(Cart.class), c -> {
                List<String> items = c == null ? new ArrayList<>() : new ArrayList<>(c.items());
                items.add("apple");
                return new Cart(items);                                      // atomic across replicas
            });
            assertThat(cart.items()).hasSize(i + 1);
        }
        assertThat(sessions.find(id).orElseThrow().get("cart", Codec.json(Cart.class)))
                .contains(new Cart(List.of("apple", "apple")));
    }

    @Test
    @DisplayName("readiness is 200 while serving and 503 once shutdown began")
    void readinessStatus() {
        StateRuntime state = StateRuntime.builder("shop").inMemory(InMemoryBackend.create()).build();

        HealthReport ready = state.health().readiness();
        int status = ready.up() ? 200 : 503;                             // body: ready.reasons()

        assertThat(status).isEqualTo(200);
        state.close();
        assertThat(state.health().readiness().up()).isFalse();
        assertThat(state.health().readiness().reasons()).isNotEmpty();
    }

    /** Config from environment variables SHOP_*, read once: SHOP_DISCOUNT_PERCENT is shop.discount.percent. */
    static final class EnvConfigBackend implements ConfigBackend {
        @Override public String backendName() { return "env"; }
        @Override public String describe() { return "environment variables SHOP_*"; }
        @Override public void start(Sink sink) {
            Map<String, String> values = new TreeMap<>();
            System.getenv().forEach((k, v) -> {
                if (k.startsWith("SHOP_")) {
                    values.put("shop." + k.substring(5).toLowerCase(Locale.ROOT).replace('_', '.'), v);
                }
            });
            sink.offer(new ConfigSnapshot(1, values));
        }
        @Override public void close() { }
    }

    @Test
    @DisplayName("a ConfigBackend that offers one snapshot gives a loaded, healthy config source in the runtime")
    void configBackendSpi() {
        StateRuntime state = StateRuntime.builder("shop")
                .config(ctx -> new PublishingConfigSource(new EnvConfigBackend(), ConfigValidator.acceptAll(), ctx.clock()))
                .build();
        toClose.add(state);

        assertThat(state.config().isLoaded()).isTrue();
        assertThat(state.config().current().revision()).isEqualTo(1);
        assertThat(state.config().current().values().keySet()).allMatch(k -> k.startsWith("shop."));
        assertThat(state.health().readiness().components())
                .anyMatch(h -> h.component().equals("config:env") && h.detail().equals("revision 1"));
    }
}
