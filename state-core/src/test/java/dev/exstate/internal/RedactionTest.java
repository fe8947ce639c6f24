package dev.exstate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedactionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "redis://app:p@ssw0rd@h:6379/0|redis://****@h:6379/0",
        "redis://app:secret@h|redis://****@h",
        "redis://:pw@h|redis://****@h",
        "https://TOKEN123@github.com/x|https://****@github.com/x",
        "http://u:pa/ss:w@rd@host:2379|http://****@host:2379",
        "http://h:2379|http://h:2379",
        "user:pw@host:6379|****@host:6379",
        "http://h/p?token=abc@def|http://****",
        "http://u:p#w@h|http://****",
        "http://h/p?x=1&password=hunter2&y=2|http://h/p?x=1&password=****&y=2",
        "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA&X-Amz-Signature=abcd&X-Amz-Expires=60|https://b.s3.amazonaws.com/k?X-Amz-Credential=****&X-Amz-Signature=****&X-Amz-Expires=60",
        "http://h/cb#access_token=xyz&state=1|http://h/cb#access_token=****&state=1",
        "http://u:p@h/?apiKey=k1;mode=x|http://****@h/?apiKey=****;mode=x"})
    @DisplayName("user info up to the last '@' and secret-looking parameters are masked; the rest stays readable")
    void urls(String url, String shown) {
        assertThat(Redaction.url(url)).isEqualTo(shown);
    }

    @Test
    @DisplayName("nothing of the password survives, whatever it contains")
    void passwordNeverSurvives() {
        for (String pw : new String[] {"p@ss", "p@s@s", "a:b", "a/b", "x@y/z:1", "%40enc"}) {
            String shown = Redaction.url("redis://app:" + pw + "@redis.internal:6379");
            assertThat(shown).as(pw).isEqualTo("redis://****@redis.internal:6379");
        }
    }

    @Test
    @DisplayName("control characters are escaped and null is shown as null")
    void printable() {
        assertThat(Redaction.url("http://h/\r\nX: y")).isEqualTo("http://h/\\u000d\\u000aX: y");
        assertThat(Redaction.url(null)).isEqualTo("null");
        assertThat(Redaction.printable("abcdef", 3)).isEqualTo("abc...");
        assertThat(Redaction.printable("a\uD800b", 10)).isEqualTo("a\\ud800b");
    }

    @ParameterizedTest
    @ValueSource(strings = {"db.password", "db.pwd", "db.credential", "DB_PASSWD", "api-key", "apiKey", "oauth.client-secret",
        "auth.TOKEN", "X-Amz-Signature", "jwt.signing", "session.cookie", "tls.private", "otp-seed", "", " "})
    @DisplayName("names that may hold a secret are recognised, erring on the side of masking")
    void secretNames(String name) {
        assertThat(Redaction.isSecretName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"db.pool-size", "limit", "feature.enabled", "timeout", "url", "host"})
    @DisplayName("ordinary names are not secret")
    void ordinaryNames(String name) {
        assertThat(Redaction.isSecretName(name)).isFalse();
    }

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
        "redis-sentinel://:s3cret@h1:26379,h2:26379#mymaster|redis-sentinel://****@h1:26379,h2:26379#mymaster",
        "redis-sentinel://u:p@ss@h1:26379,u:p@ss@h2:26379#m|redis-sentinel://****@h2:26379#m",
        "https://key:secret@minio:9000/bucket|https://****@minio:9000/bucket",
    })
    @DisplayName("Redis URIs, sentinel lists and URIs without a scheme: user info up to the last '@' is masked")
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
    @DisplayName("text without user info or secret parameters is unchanged")
    void leavesOtherTextAlone(String url) {
        assertThat(Redaction.url(url)).isEqualTo(url);
    }
}
