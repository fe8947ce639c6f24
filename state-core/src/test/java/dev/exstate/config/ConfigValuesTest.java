package dev.exstate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {

    enum Mode { FAST, SAFE }

    @Nested
    @DisplayName("parsing a value")
    class Parsing {

        @Test
        void numbersParseWithSurroundingWhitespace() {
            assertThat(ConfigValues.parse("k", " 42 ", Integer.class)).isEqualTo(42);
            assertThat(ConfigValues.parse("k", "-7", int.class)).isEqualTo(-7);
            assertThat(ConfigValues.parse("k", "10000000000", Long.class)).isEqualTo(10_000_000_000L);
            assertThat(ConfigValues.parse("k", "0.25", Double.class)).isEqualTo(0.25);
            assertThat(ConfigValues.parse("k", "1e3", Double.class)).isEqualTo(1000.0);
        }

        @Test
        @DisplayName("booleans are true or false in any case, and nothing else")
        void booleansAreStrict() {
            assertThat(ConfigValues.parse("k", "TRUE", Boolean.class)).isTrue();
            assertThat(ConfigValues.parse("k", "False", boolean.class)).isFalse();
            assertThatThrownBy(() -> ConfigValues.parse("feature.on", "yes", Boolean.class))
                    .isInstanceOf(ConfigBindingException.class)
                    .hasMessage("config key 'feature.on' = 'yes' is not a valid boolean (true or false)");
        }

        @Test
        @DisplayName("durations are ISO-8601 or a number with ms, s, m, h or d")
        void durations() {
            assertThat(ConfigValues.parse("k", "PT5S", Duration.class)).isEqualTo(Duration.ofSeconds(5));
            assertThat(ConfigValues.parse("k", "pt1m30s", Duration.class)).isEqualTo(Duration.ofSeconds(90));
            assertThat(ConfigValues.parse("k", "250ms", Duration.class)).isEqualTo(Duration.ofMillis(250));
            assertThat(ConfigValues.parse("k", "10s", Duration.class)).isEqualTo(Duration.ofSeconds(10));
            assertThat(ConfigValues.parse("k", "5m", Duration.class)).isEqualTo(Duration.ofMinutes(5));
            assertThat(ConfigValues.parse("k", "2H", Duration.class)).isEqualTo(Duration.ofHours(2));
            assertThat(ConfigValues.parse("k", " 1d ", Duration.class)).isEqualTo(Duration.ofDays(1));
        }

        @Test
        void durationWithoutUnitOrWithUnknownUnitIsRejected() {
            assertThatThrownBy(() -> ConfigValues.parse("cache.ttl", "30", Duration.class))
                    .isInstanceOf(ConfigBindingException.class)
                    .hasMessageStartingWith("config key 'cache.ttl' = '30' is not a valid duration");
            assertThatThrownBy(() -> ConfigValues.parse("cache.ttl", "2 weeks", Duration.class))
                    .isInstanceOf(ConfigBindingException.class)
                    .hasMessageContaining("'cache.ttl'");
        }

        @Test
        void badNumbersNameKeyValueAndType() {
            assertThatThrownBy(() -> ConfigValues.parse("shop.limit", "12x", Integer.class))
                    .isInstanceOf(ConfigBindingException.class)
                    .hasMessage("config key 'shop.limit' = '12x' is not a valid int");
            assertThatThrownBy(() -> ConfigValues.parse("shop.limit", "3000000000", int.class))
                    .hasMessage("config key 'shop.limit' = '3000000000' is not a valid int");
            assertThatThrownBy(() -> ConfigValues.parse("shop.big", "1.5", Long.class))
                    .hasMessage("config key 'shop.big' = '1.5' is not a valid long");
        }

        @Test
        @DisplayName("doubles are plain decimals: NaN, Infinity and Java suffixes are errors")
        void doublesArePlainDecimals() {
            for (String bad : new String[] {"NaN", "Infinity", "1d", "0x1p3", "1e999"}) {
                assertThatThrownBy(() -> ConfigValues.parse("ratio", bad, Double.class))
                        .as(bad)
                        .isInstanceOf(ConfigBindingException.class)
                        .hasMessageContaining("config key 'ratio'");
            }
        }

        @Test
        void enumsMatchIgnoringCaseAndListTheChoices() {
            assertThat(ConfigValues.parse("k", "fast", Mode.class)).isEqualTo(Mode.FAST);
            assertThatThrownBy(() -> ConfigValues.parse("mode", "turbo", Mode.class))
                    .isInstanceOf(ConfigBindingException.class)
                    .hasMessage("config key 'mode' = 'turbo' is not one of [FAST, SAFE]");
        }

        @Test
        void stringsAreKeptAsTheyAre() {
            assertThat(ConfigValues.parse("k", "  spaced  ", String.class)).isEqualTo("  spaced  ");
        }
    }

    @Nested
    @DisplayName("secrets in error messages")
    class Secrets {

        @Test
        @DisplayName("values of keys naming a password, secret, token or key are masked")
        void secretValuesAreMasked() {
            for (String key : new String[] {"db.password", "oauth.client-secret", "auth.TOKEN", "s3.access-key", "apiKey"}) {
                assertThatThrownBy(() -> ConfigValues.parse(key, "hunter2", Integer.class))
                        .as(key)
                        .isInstanceOf(ConfigBindingException.class)
                        .hasMessage("config key '" + key + "' = <masked> is not a valid int")
                        .satisfies(e -> assertThat(e.getCause()).isNull());
            }
        }

        @Test
        void otherValuesAreShown() {
            assertThatThrownBy(() -> ConfigValues.parse("db.pool-size", "ten", Integer.class))
                    .hasMessageContaining("'ten'");
        }

        @Test
        @DisplayName("values of keys such as db.pwd, db.credential, db.passwd, jwt.signing are masked too")
        void abbreviatedSecretNamesAreMasked() {
            for (String key : new String[] {"db.pwd", "db.credential", "db.passwd", "jwt.signing", "session.cookie", "tls.private-pem"}) {
                assertThatThrownBy(() -> ConfigValues.parse(key, "hunter2", Integer.class))
                        .as(key)
                        .isInstanceOf(ConfigBindingException.class)
                        .hasMessage("config key '" + key + "' = <masked> is not a valid int");
            }
        }

        @Test
        @DisplayName("a URL value of an innocent-looking key is shown with its user info masked")
        void urlValuesLoseTheirUserInfo() {
            assertThatThrownBy(() -> ConfigValues.parse("db.url", "postgres://app:p@ssw0rd@db:5432/shop", Integer.class))
                    .hasMessage("config key 'db.url' = 'postgres://****@db:5432/shop' is not a valid int")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("ssw0rd"));
        }
    }

    @Nested
    @DisplayName("typed getters of a snapshot")
    class Getters {
        private final ConfigSnapshot snapshot = new ConfigSnapshot(3, Map.of(
                "n", "5", "big", "9000000000", "r", "0.5", "on", "true", "t", "3s", "bad", "x"));

        @Test
        void gettersParseOrFallBackToTheDefaultWhenMissing() {
            assertThat(snapshot.getInt("n", 0)).isEqualTo(5);
            assertThat(snapshot.getLong("big", 0)).isEqualTo(9_000_000_000L);
            assertThat(snapshot.getDouble("r", 0)).isEqualTo(0.5);
            assertThat(snapshot.getBoolean("on", false)).isTrue();
            assertThat(snapshot.getDuration("t", Duration.ZERO)).isEqualTo(Duration.ofSeconds(3));
            assertThat(snapshot.getInt("missing", 11)).isEqualTo(11);
            assertThat(snapshot.getBoolean("missing", true)).isTrue();
        }

        @Test
        @DisplayName("a value that does not parse is an error, not the default")
        void badValueIsAnErrorNotTheDefault() {
            assertThatThrownBy(() -> snapshot.getBoolean("bad", false)).isInstanceOf(ConfigBindingException.class);
            assertThatThrownBy(() -> snapshot.getInt("bad", 1)).hasMessageContaining("'bad'");
        }
    }

    @Test
    void kebabCaseOfComponentNames() {
        assertThat(ConfigValues.kebabCase("maxItems")).isEqualTo("max-items");
        assertThat(ConfigValues.kebabCase("url")).isEqualTo("url");
        assertThat(ConfigValues.kebabCase("httpURLPath")).isEqualTo("http-url-path");
        assertThat(ConfigValues.kebabCase("retry2Times")).isEqualTo("retry2-times");
    }
}
