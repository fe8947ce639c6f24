package dev.exstate.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PutOptionsTest {

    @ParameterizedTest
    @ValueSource(strings = {"\"d41d8cd98f00b204e9800998ecf8427e\"", "d41d8cd98f00b204e9800998ecf8427e",
        "\"0123456789abcdef0123456789abcdef-12\"", "\"a\"", "x"})
    @DisplayName("quoted or bare entity tags are accepted unchanged")
    void etagsAccepted(String etag) {
        assertThat(PutOptions.ifMatch(etag).condition().ifMatchEtag()).isEqualTo(etag);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"x\"\r\nX-Injected: yes", "\"x\"\nX-Injected: yes", "x\rX", "\"\"", "", "\"a\"b\"", "W/\"weak\"",
        "\"with space\"", "\"tab\t\"", "\"nul\u0000\"", "\"ünï\"", "\"x\u2028\""})
    @DisplayName("an etag with CR, LF, other control characters, spaces, inner quotes or non-ASCII is rejected when the option is built")
    void malformedEtagsRejected(String etag) {
        assertThatThrownBy(() -> PutOptions.ifMatch(etag))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Injected"));
        assertThatThrownBy(() -> new PutOptions.Condition(false, etag)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PutOptions.defaults().withCondition(new PutOptions.Condition(false, etag)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("an etag of more than 256 characters is rejected")
    void overlongEtagRejected() {
        assertThat(PutOptions.ifMatch("\"" + "a".repeat(256) + "\"").condition().ifMatchEtag()).hasSize(258);
        assertThatThrownBy(() -> PutOptions.ifMatch("a".repeat(257))).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain\r\nX-Injected: yes", "text/plain\n", "", " text/plain", "text/\u00e9", "a\u0000b"})
    @DisplayName("a content type that is not printable ASCII (it becomes an HTTP header) is rejected")
    void malformedContentTypesRejected(String type) {
        assertThatThrownBy(() -> PutOptions.defaults().withContentType(type))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Injected"));
    }

    @Test
    @DisplayName("ordinary content types are kept; null means the default")
    void contentTypes() {
        assertThat(PutOptions.defaults().withContentType("text/plain; charset=utf-8").contentType())
                .isEqualTo("text/plain; charset=utf-8");
        assertThat(PutOptions.defaults().withContentType(null).contentType()).isEqualTo(PutOptions.DEFAULT_CONTENT_TYPE);
        assertThatThrownBy(() -> PutOptions.defaults().withContentType("x".repeat(256)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("with... copies compare by value and leave the original unchanged")
    void copiesCompareByValue() {
        PutOptions o = PutOptions.ifMatch("\"abc\"").withContentType("text/plain").withMetadata(java.util.Map.of("owner", "ops"));

        assertThat(o).isEqualTo(PutOptions.defaults().withMetadata(java.util.Map.of("owner", "ops"))
                .withCondition(new PutOptions.Condition(false, "\"abc\"")).withContentType("text/plain"))
                .hasSameHashCodeAs(PutOptions.ifMatch("\"abc\"").withContentType("text/plain")
                        .withMetadata(java.util.Map.of("owner", "ops")));
        assertThat(PutOptions.defaults()).isEqualTo(PutOptions.defaults().withContentType(null).withMetadata(null));
        assertThat(o.withCondition(PutOptions.Condition.NONE)).isNotEqualTo(o);
        assertThat(o.condition().ifMatchEtag()).isEqualTo("\"abc\"");
        assertThat(o.toString()).contains("text/plain", "owner=ops", "abc");
        assertThatThrownBy(() -> o.withCondition(null)).isInstanceOf(NullPointerException.class).hasMessage("condition");
    }
}
