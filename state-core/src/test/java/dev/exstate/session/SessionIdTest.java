package dev.exstate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionIdTest {

    @Test
    @DisplayName("a generated id is 43 URL-safe characters carrying 256 random bits")
    void generatedIdIs256BitsUrlSafe() {
        SessionId id = SessionId.generate();

        assertThat(id.value()).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(Base64.getUrlDecoder().decode(id.value())).hasSize(32);
        assertThat(SessionId.BYTES * 8).isEqualTo(256);
    }

    @Test
    @DisplayName("generated ids do not repeat")
    void generatedIdsAreUnique() {
        Set<SessionId> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(SessionId.generate());
        }
        assertThat(ids).hasSize(10_000);
    }

    @Test
    @DisplayName("an id parses back from its value and equals the original")
    void parsesItsOwnValue() {
        SessionId id = SessionId.generate();

        SessionId parsed = SessionId.of(id.value());

        assertThat(parsed).isEqualTo(id).hasSameHashCodeAs(id);
        assertThat(SessionId.tryParse(id.value())).contains(id);
        assertThat(parsed).isNotEqualTo(SessionId.generate());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "short",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",   // 42
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", // 44
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",  // standard base64 alphabet
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAé",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    })
    @DisplayName("a malformed id from a client is rejected")
    void malformedIdsAreRejected(String value) {
        assertThat(SessionId.tryParse(value)).isEmpty();
        assertThatThrownBy(() -> SessionId.of(value)).isInstanceOf(InvalidSessionIdException.class);
    }

    @Test
    @DisplayName("a null id from a client is rejected, not a NullPointerException")
    void nullIsRejected() {
        assertThat(SessionId.tryParse(null)).isEmpty();
        assertThatThrownBy(() -> SessionId.of(null)).isInstanceOf(InvalidSessionIdException.class);
    }

    @Test
    @DisplayName("the rejection message does not echo the offered value")
    void rejectionDoesNotEchoValue() {
        String offered = "secret-looking-value-that-is-not-an-id";

        assertThatThrownBy(() -> SessionId.of(offered)).message().doesNotContain(offered);
    }

    @Test
    @DisplayName("toString shows only a short prefix, never the bearer credential")
    void toStringMasksTheId() {
        SessionId id = SessionId.generate();

        String shown = id.toString();

        assertThat(shown).doesNotContain(id.value()).contains(id.value().substring(0, 6));
        assertThat(shown).doesNotContain(id.value().substring(0, 7));
    }
}
