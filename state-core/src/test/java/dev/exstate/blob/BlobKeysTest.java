package dev.exstate.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlobKeysTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b/c.txt", "uploads/2026/01/report.pdf", "with space", "a.b", "..a", "a..", "a/.hidden",
        "a/..b", "ключ/ünïcode", "emoji-😀", "dir/"})
    @DisplayName("ordinary keys are accepted unchanged")
    void validKeys(String key) {
        assertThat(BlobKeys.validate(key)).isEqualTo(key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/a", "/", "..", ".", "a/..", "a/../b", "../a", "./a", "a/./b", "a/.", "a//b",
        "a\\b", "..\\a", "a\u0000b", "a\u001fb", "a\u007fb", "a\nb", "a\tb", "a\u0085b"})
    @DisplayName("keys that escape, are absolute, empty or carry control characters are rejected")
    void invalidKeys(String key) {
        assertThatThrownBy(() -> BlobKeys.validate(key)).isInstanceOf(InvalidBlobKeyException.class);
    }

    @Test
    @DisplayName("a null key is rejected as invalid")
    void nullKey() {
        assertThatThrownBy(() -> BlobKeys.validate(null)).isInstanceOf(InvalidBlobKeyException.class);
    }

    @Test
    @DisplayName("the limit is 1024 UTF-8 bytes, not characters")
    void lengthInUtf8Bytes() {
        assertThat(BlobKeys.validate("x".repeat(1024))).hasSize(1024);
        assertThatThrownBy(() -> BlobKeys.validate("x".repeat(1025)))
                .isInstanceOf(InvalidBlobKeyException.class).hasMessageContaining("1025");
        assertThat(BlobKeys.validate("é".repeat(512))).hasSize(512);
        assertThatThrownBy(() -> BlobKeys.validate("é".repeat(513)))
                .isInstanceOf(InvalidBlobKeyException.class).hasMessageContaining("1026");
    }

    @Test
    @DisplayName("the error says why, without needing the key")
    void messagesSayWhy() {
        assertThatThrownBy(() -> BlobKeys.validate("a/../b")).hasMessageContaining("..");
        assertThatThrownBy(() -> BlobKeys.validate("/a")).hasMessageContaining("/");
        assertThatThrownBy(() -> BlobKeys.validate("a\u0001")).hasMessageContaining("control character");
    }

    @Test
    @DisplayName("a listing prefix may be empty or end with '/' but follows the key rules otherwise")
    void prefixes() {
        assertThat(BlobKeys.validatePrefix(null)).isEmpty();
        assertThat(BlobKeys.validatePrefix("")).isEmpty();
        assertThat(BlobKeys.validatePrefix("uploads/")).isEqualTo("uploads/");
        assertThat(BlobKeys.validatePrefix("uploads/rep")).isEqualTo("uploads/rep");
        assertThatThrownBy(() -> BlobKeys.validatePrefix("../")).isInstanceOf(InvalidBlobKeyException.class);
        assertThatThrownBy(() -> BlobKeys.validatePrefix("/uploads/")).isInstanceOf(InvalidBlobKeyException.class);
        assertThatThrownBy(() -> BlobKeys.validatePrefix("a//")).isInstanceOf(InvalidBlobKeyException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\uFFFEb", "a\uFFFF", "\uFDD0x", "x/\uFDEF", "a\uD83F\uDFFEb", "a\uDBFF\uDFFF"})
    @DisplayName("keys with Unicode non-characters (U+FFFE, U+FFFF, ...) are rejected: S3 listings (XML 1.0) cannot carry them")
    void nonCharactersRejected(String key) {
        assertThatThrownBy(() -> BlobKeys.validate(key))
                .isInstanceOf(InvalidBlobKeyException.class).hasMessageContaining("non-character");
        assertThatThrownBy(() -> BlobKeys.validatePrefix(key)).isInstanceOf(InvalidBlobKeyException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\uD800", "\uDC00a", "a\uDC00\uD800b", "x/\uD83D"})
    @DisplayName("keys with unpaired surrogates are rejected: they have no UTF-8 form and would collide with '?'")
    void unpairedSurrogatesRejected(String key) {
        assertThatThrownBy(() -> BlobKeys.validate(key))
                .isInstanceOf(InvalidBlobKeyException.class).hasMessageContaining("unpaired surrogate");
    }

    @Test
    @DisplayName("continuation tokens: null is the first page; printable ASCII up to 4096 characters passes")
    void wellFormedTokens() {
        assertThat(BlobKeys.validateContinuationToken(null)).isNull();
        assertThat(BlobKeys.validateContinuationToken("abc-_=+/~!")).isEqualTo("abc-_=+/~!");
        String longest = "t".repeat(BlobKeys.MAX_CONTINUATION_TOKEN_CHARS);
        assertThat(BlobKeys.validateContinuationToken(longest)).isEqualTo(longest);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a\u0000", "with space", "line\r\nX-Injected: yes", "\uFFFF", "ключ", "tab\t"})
    @DisplayName("continuation tokens that no store issues are rejected without being echoed")
    void malformedTokens(String token) {
        assertThatThrownBy(() -> BlobKeys.validateContinuationToken(token))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Injected"));
    }

    @Test
    @DisplayName("a 10 KiB continuation token is rejected, naming the limit")
    void hugeTokenRejected() {
        assertThatThrownBy(() -> BlobKeys.validateContinuationToken("x".repeat(10 * 1024)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
    }
}
