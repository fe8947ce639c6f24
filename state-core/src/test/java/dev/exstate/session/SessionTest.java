package dev.exstate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.codec.Codec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SessionTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Session loaded(Map<String, byte[]> attributes) {
        return Session.restore(SessionId.generate(), T0, T0.plusSeconds(5), Duration.ofMinutes(30), attributes);
    }

    @Test
    @DisplayName("a restored session shows its stored state and has no changes")
    void restoredSessionIsClean() {
        Session s = loaded(Map.of("user", utf8("alice")));

        assertThat(s.isDirty()).isFalse();
        assertThat(s.changes()).isEmpty();
        assertThat(s.getString("user")).contains("alice");
        assertThat(s.attributeNames()).containsExactly("user");
        assertThat(s.createdAt()).isEqualTo(T0);
        assertThat(s.lastAccessedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(s.maxInactiveInterval()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    @DisplayName("a session never changes the map it was restored from, so providers may share it (near cache)")
    void restoreNeverWritesTheGivenMap() {
        Map<String, byte[]> source = new HashMap<>();
        source.put("a", utf8("1"));
        byte[] stored = source.get("a");
        Session s = loaded(source);

        s.putString("b", "2").remove("a").markSaved();
        s.putString("c", "3");

        assertThat(source).containsOnlyKeys("a");
        assertThat(source.get("a")).isSameAs(stored).containsExactly(utf8("1"));
        assertThat(s.attributeNames()).containsExactly("b", "c");
    }

    @Test
    @DisplayName("a put is visible locally and recorded as a change")
    void putIsTrackedAsChange() {
        Session s = loaded(Map.of("kept", utf8("k")));

        s.putString("new", "n");
        s.put("count", 3L, Codec.longs());

        assertThat(s.isDirty()).isTrue();
        assertThat(s.getString("new")).contains("n");
        assertThat(s.get("count", Codec.longs())).contains(3L);
        assertThat(s.attributeNames()).containsExactly("count", "kept", "new");
        assertThat(s.changes()).containsOnlyKeys("new", "count");
        assertThat(s.changes().keySet()).containsExactly("new", "count");
    }

    @Test
    @DisplayName("a remove hides the attribute locally and is recorded as a null change")
    void removeIsTrackedAsNullChange() {
        Session s = loaded(Map.of("gone", utf8("g"), "kept", utf8("k")));

        s.remove("gone");

        assertThat(s.getBytes("gone")).isEmpty();
        assertThat(s.attributeNames()).containsExactly("kept");
        assertThat(s.changes()).containsKey("gone");
        assertThat(s.changes().get("gone")).isNull();
    }

    @Test
    @DisplayName("the last change to a name wins: put after remove is a put, remove after put a removal")
    void lastChangeWins() {
        Session s = loaded(Map.of("a", utf8("1"), "b", utf8("2")));

        s.remove("a").putString("a", "again");
        s.putString("b", "changed").remove("b");

        assertThat(s.getString("a")).contains("again");
        assertThat(s.getBytes("b")).isEmpty();
        assertThat(s.changes().get("a")).isEqualTo(utf8("again"));
        assertThat(s.changes()).containsKey("b");
        assertThat(s.changes().get("b")).isNull();
    }

    @Test
    @DisplayName("markSaved makes the changes the loaded state and clears them")
    void markSavedAppliesChanges() {
        Session s = loaded(Map.of("gone", utf8("g"), "kept", utf8("k")));
        s.remove("gone").putString("new", "n");

        s.markSaved();

        assertThat(s.isDirty()).isFalse();
        assertThat(s.changes()).isEmpty();
        assertThat(s.attributeNames()).containsExactly("kept", "new");
        assertThat(s.getString("new")).contains("n");
    }

    @Test
    @DisplayName("changes() is a read-only copy")
    void changesIsACopy() {
        Session s = loaded(Map.of());
        s.putString("a", "1");

        Map<String, byte[]> changes = s.changes();
        s.putString("b", "2");

        assertThat(changes).containsOnlyKeys("a");
        assertThatThrownBy(() -> changes.put("c", utf8("3"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    @DisplayName("getBytes returns a copy: changing it does not change the session")
    void getBytesReturnsCopy() {
        Session s = loaded(Map.of("a", utf8("abc")));
        s.putString("b", "xyz");

        s.getBytes("a").orElseThrow()[0] = 'Z';
        s.getBytes("b").orElseThrow()[0] = 'Z';

        assertThat(s.getString("a")).contains("abc");
        assertThat(s.getString("b")).contains("xyz");
    }

    @Test
    @DisplayName("a null value is rejected; remove deletes")
    void nullValueRejected() {
        Session s = loaded(Map.of());

        assertThatThrownBy(() -> s.putString("a", null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("remove");
        assertThatThrownBy(() -> s.putString(null, "v")).isInstanceOf(NullPointerException.class);
        assertThat(s.isDirty()).isFalse();
    }

    @Test
    @DisplayName("toString shows attribute names but neither values nor the full id")
    void toStringHidesValuesAndId() {
        Session s = loaded(Map.of("email", utf8("alice@example.com")));
        s.putString("token", "s3cr3t-value");

        String shown = s.toString();

        assertThat(shown).contains("email", "token", "unsaved")
                .doesNotContain("alice@example.com", "s3cr3t-value", s.id().value());
    }

    @Test
    @DisplayName("sizeOf counts name characters plus value bytes")
    void sizeOfCountsNameAndValue() {
        assertThat(Session.sizeOf("name", new byte[10])).isEqualTo(14);
        assertThat(Session.sizeOf("name", null)).isEqualTo(4);
    }
}
