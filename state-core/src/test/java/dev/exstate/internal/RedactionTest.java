package dev.exstate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Redaction.url")
class RedactionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "redis://app:p@ssw0rd@h:6379|redis://****@h:6379",
        "redis://app:p@ss@w0rd@h:6379/0|redis://****@h:6379/0",
        "redis://:secret@h:6379|redis://****@h:6379",
        "rediss://app:p%40ss@h:6380|rediss://****@h:6380",
        "redis://app%40corp:pw@h|redis://****@h",
        "redis://app:pa/ss@h:6379|redis://****@h:6379",
        "redis://app:pa:ss@h:6379|redis://****@h:6379",
        "app:p@ssw0rd@h:6379|****@h:6379",
        "//app:secret@h:6379|****@h:6379",
        "redis-sentinel://:s3cret@h1:26379,h2:26379#mymaster|redis-sentinel://****@h1:26379,h2:26379#mymaster",
        "redis-sentinel://u:p@ss@h1:26379,u:p@ss@h2:26379#m|redis-sentinel://****@h2:26379#m",
        "https://key:secret@minio:9000/bucket|https://****@minio:9000/bucket",
        "x y://user:secret@h|****@h",
    })
    @DisplayName("user info up to the last '@' is masked")
    void masksUserInfo(String url, String expected) {
        String redacted = Redaction.url(url);

        assertThat(redacted).isEqualTo(expected);
        for (String secret : new String[] {"ssw0rd", "w0rd", "secret", "s3cret", "p%40ss", "pa/ss", "pa:ss", "@ss", ":pw"}) {
            if (url.contains(secret)) {
                assertThat(redacted).doesNotContain(secret);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "redis://h:6379",
        "redis://h:6379/0?timeout=5s",
        "redis-sentinel://h1:26379,h2:26379#mymaster",
        "h:6379",
        "''",
    })
    @DisplayName("text without user info is unchanged")
    void leavesOtherTextAlone(String url) {
        assertThat(Redaction.url(url)).isEqualTo(url);
    }

    @Test
    @DisplayName("null stays null")
    void nullStaysNull() {
        assertThat(Redaction.url(null)).isNull();
    }
}
