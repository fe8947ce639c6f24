package dev.exstate.spring.boot.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.codec.Codec;
import dev.exstate.codec.CodecException;
import dev.exstate.memory.InMemoryBackend;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionOptions;
import dev.exstate.session.SessionStore;
import dev.exstate.time.ManualClock;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ExstateSessionRepositoryTest {
    private final ManualClock clock = new ManualClock();
    private final InMemoryBackend backend = InMemoryBackend.create(clock);
    private final SessionStore store = backend.sessionStore(SessionOptions.defaults());
    private final ExstateSessionRepository repository =
            new ExstateSessionRepository(store, List.of("dev.exstate.spring.boot.session"));

    record Cart(String owner, List<String> items) {
    }

    enum Tier {
        GOLD {
            @Override
            public String toString() {
                return "gold";
            }
        },
        SILVER
    }

    /** Writes fine as JSON ({"total":3}) but cannot be read back: no default constructor, no creator. */
    static final class ReadOnlyBean {
        private final int total;

        ReadOnlyBean(int total) {
            this.total = total;
        }

        public int getTotal() {
            return total;
        }
    }

    /** No properties: Jackson refuses to write it. */
    static final class EmptyBean {
    }

    @Nested
    @DisplayName("lifecycle")
    class Lifecycle {
        @Test
        @DisplayName("a created session is stored at once, found by its id after save, and gone after delete")
        void createFindSaveDelete() {
            ExstateHttpSession created = repository.createSession();
            assertThat(repository.findById(created.getId())).isNotNull();

            created.setAttribute("user", "ada");
            repository.save(created);
            ExstateHttpSession found = repository.findById(created.getId());
            assertThat((String) found.getAttribute("user")).isEqualTo("ada");
            assertThat(found.getAttributeNames()).containsExactly("user");
            assertThat(found.getCreationTime()).isEqualTo(created.getCreationTime());
            assertThat(found.isExpired()).isFalse();

            repository.deleteById(created.getId());
            assertThat(repository.findById(created.getId())).isNull();
            repository.deleteById(created.getId()); // idempotent
        }

        @Test
        @DisplayName("malformed and unknown ids find nothing and delete nothing")
        void malformedIds() {
            assertThat(repository.findById("not-an-id")).isNull();
            assertThat(repository.findById(null)).isNull();
            repository.deleteById("not-an-id");
            ExstateHttpSession other = repository.createSession();
            repository.deleteById(repository.createSession().getId());
            assertThat(repository.findById(other.getId())).isNotNull();
        }

        @Test
        @DisplayName("a session expires after max-inactive-interval without use; use slides the expiry")
        void slidingExpiry() {
            ExstateHttpSession s = repository.createSession();
            assertThat(s.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(30));
            clock.advance(Duration.ofMinutes(25));
            s = repository.findById(s.getId());
            s.setAttribute("page", "/cart");
            repository.save(s); // refreshes the expiry
            clock.advance(Duration.ofMinutes(25));
            assertThat(repository.findById(s.getId())).as("used 25 min ago").isNotNull();
            clock.advance(Duration.ofMinutes(31));
            assertThat(repository.findById(s.getId())).as("idle 31 min").isNull();
        }

        @Test
        @DisplayName("setting the store's interval is accepted; a per-session interval is refused")
        void maxInactiveInterval() {
            ExstateHttpSession s = repository.createSession();
            s.setMaxInactiveInterval(Duration.ofMinutes(30));
            assertThatThrownBy(() -> s.setMaxInactiveInterval(Duration.ofMinutes(5)))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("exstate.session.max-inactive-interval");
        }
    }

    @Nested
    @DisplayName("delta saves")
    class DeltaSaves {
        @Test
        @DisplayName("two copies of one session that set different attributes keep both after both saves")
        void concurrentCopiesKeepBoth() {
            ExstateHttpSession s = repository.createSession();
            s.setAttribute("kept", "yes");
            repository.save(s);
            ExstateHttpSession a = repository.findById(s.getId());
            ExstateHttpSession b = repository.findById(s.getId());
            a.setAttribute("a", 1);
            b.setAttribute("b", 2);
            b.removeAttribute("kept");
            repository.save(a);
            repository.save(b);
            ExstateHttpSession after = repository.findById(s.getId());
            assertThat(after.getAttributeNames()).containsExactlyInAnyOrder("a", "b");
            assertThat((Integer) after.getAttribute("a")).isEqualTo(1);
        }

        @Test
        @DisplayName("setting a value equal to the stored one and reading write nothing")
        void unchangedWritesNothing() {
            ExstateHttpSession s = repository.createSession();
            s.setAttribute("user", "ada");
            repository.save(s);
            ExstateHttpSession again = repository.findById(s.getId());
            again.getAttribute("user");
            again.setAttribute("user", "ada");
            assertThat(again.delegate().isDirty()).isFalse();
        }
    }

    @Nested
    @DisplayName("changeSessionId")
    class ChangeSessionId {
        @Test
        @DisplayName("moves saved and unsaved attributes to a new id; the old id finds nothing")
        void rotates() {
            ExstateHttpSession s = repository.createSession();
            s.setAttribute("saved", "1");
            repository.save(s);
            String oldId = s.getId();
            s.setAttribute("unsaved", "2");

            String newId = s.changeSessionId();

            assertThat(newId).isNotEqualTo(oldId).isEqualTo(s.getId());
            assertThat(repository.findById(oldId)).isNull();
            repository.save(s);
            ExstateHttpSession found = repository.findById(newId);
            assertThat(found.getAttributeNames()).containsExactlyInAnyOrder("saved", "unsaved");
            assertThat((String) found.getAttribute("unsaved")).isEqualTo("2");
        }
    }

    @Nested
    @DisplayName("attribute values")
    class Values {
        @Test
        @DisplayName("JDK values, maps, lists, sets, records and enums of allowed packages read back equal")
        void roundTrips() {
            ExstateHttpSession s = repository.createSession();
            Map<String, Object> values = Map.of(
                    "string", "ada", "int", 7, "long", 7L, "double", 1.5, "bool", true,
                    "decimal", new BigDecimal("10.25"), "map", Map.of("k", List.of("x", 1)),
                    "list", List.of("a", "b"), "set", Set.of("s"), "cart", new Cart("ada", List.of("book")));
            values.forEach(s::setAttribute);
            s.setAttribute("gold", Tier.GOLD);
            s.setAttribute("silver", Tier.SILVER);
            repository.save(s);
            ExstateHttpSession found = repository.findById(s.getId());
            values.forEach((name, value) -> assertThat((Object) found.getAttribute(name)).as(name).isEqualTo(value));
            assertThat((Object) found.getAttribute("gold")).isSameAs(Tier.GOLD);
            assertThat((Object) found.getAttribute("silver")).isSameAs(Tier.SILVER);
            assertThat((Object) found.getAttribute("missing")).isNull();
        }

        @Test
        @DisplayName("a type outside the allowed packages fails setAttribute with a CodecException naming the attribute")
        void disallowedType() {
            ExstateHttpSession s = repository.createSession();
            assertThatThrownBy(() -> s.setAttribute("context", new Object()))
                    .isInstanceOf(CodecException.class)
                    .hasMessageContaining("session attribute 'context'")
                    .hasMessageContaining("java.lang.Object")
                    .hasMessageContaining("exstate.session.http.attribute-packages");
            ExstateSessionRepository narrow = new ExstateSessionRepository(store, List.of("com.example"));
            ExstateHttpSession n = narrow.createSession();
            assertThatThrownBy(() -> n.setAttribute("cart", new Cart("ada", List.of())))
                    .isInstanceOf(CodecException.class).hasMessageContaining("session attribute 'cart'");
            assertThat(n.delegate().isDirty()).as("nothing set").isFalse();
        }

        @Test
        @DisplayName("a value that cannot be written or read back as JSON fails setAttribute, naming the attribute")
        void notJsonMappable() {
            ExstateHttpSession s = repository.createSession();
            assertThatThrownBy(() -> s.setAttribute("empty", new EmptyBean()))
                    .isInstanceOf(CodecException.class).hasMessageContaining("session attribute 'empty'")
                    .hasMessageContaining(EmptyBean.class.getName());
            assertThatThrownBy(() -> s.setAttribute("total", new ReadOnlyBean(3)))
                    .isInstanceOf(CodecException.class).hasMessageContaining("session attribute 'total'");
            assertThat(s.delegate().isDirty()).isFalse();
        }

        @Test
        @DisplayName("stored bytes naming a class outside the allowed packages are refused, not instantiated")
        void storedTypeIsChecked() {
            ExstateHttpSession s = repository.createSession();
            store.update(SessionId.of(s.getId()), x -> x.put("evil",
                    "java.lang.ProcessBuilder\n{}".getBytes(StandardCharsets.UTF_8), Codec.bytes()));
            ExstateHttpSession found = repository.findById(s.getId());
            assertThatThrownBy(() -> found.getAttribute("evil"))
                    .isInstanceOf(CodecException.class).hasMessageContaining("session attribute 'evil'")
                    .hasMessageContaining("not an allowed type");
        }

        @Test
        @DisplayName("a blank package name is refused at construction")
        void badPackage() {
            assertThatThrownBy(() -> new ExstateSessionRepository(store, List.of(" ")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowedPackages");
        }
    }
}
