package dev.exstate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConfigBindingTest {

    enum Mode { FAST, SAFE }

    record Shop(String name, int maxItems, long bigNumber, double ratio, boolean enabled,
                Integer boxedInt, Long boxedLong, Double boxedDouble, Boolean boxedFlag,
                Duration timeout, Mode mode, List<String> tags,
                Optional<String> motto, Optional<Duration> grace, Optional<Mode> fallbackMode,
                Optional<Integer> retries, Optional<List<String>> regions) {
    }

    record Limits(int maxItems, Duration timeout) {
        Limits {
            if (maxItems <= 0) {
                throw new IllegalArgumentException("maxItems must be > 0, was " + maxItems);
            }
        }
    }

    record Db(String url, int poolSize, String password) {
    }

    record Creds(int apiKey) {
    }

    record Unsupported(Map<String, String> settings) {
    }

    record Numbers(List<Integer> values) {
    }

    private static Map<String, String> fullShop() {
        Map<String, String> m = new HashMap<>();
        m.put("shop.name", "corner shop");
        m.put("shop.max-items", "25");
        m.put("shop.big-number", "10000000000");
        m.put("shop.ratio", "0.75");
        m.put("shop.enabled", "TRUE");
        m.put("shop.boxed-int", "1");
        m.put("shop.boxed-long", "2");
        m.put("shop.boxed-double", "3.5");
        m.put("shop.boxed-flag", "false");
        m.put("shop.timeout", "250ms");
        m.put("shop.mode", "safe");
        m.put("shop.tags", " a , b ,, c ");
        m.put("shop.grace", "PT2S");
        m.put("shop.retries", "3");
        m.put("shop.regions", "eu,us");
        m.put("other.name", "not mine");
        return m;
    }

    @Test
    @DisplayName("every supported type binds from kebab-case keys under the prefix")
    void bindsEverySupportedType() {
        Shop shop = new ConfigSnapshot(7, fullShop()).bind("shop.", Shop.class);

        assertThat(shop).isEqualTo(new Shop("corner shop", 25, 10_000_000_000L, 0.75, true,
                1, 2L, 3.5, false, Duration.ofMillis(250), Mode.SAFE, List.of("a", "b", "c"),
                Optional.empty(), Optional.of(Duration.ofSeconds(2)), Optional.empty(),
                Optional.of(3), Optional.of(List.of("eu", "us"))));
    }

    @Test
    @DisplayName("the component name itself (camelCase) is accepted as key too")
    void camelCaseKeyIsAccepted() {
        Limits limits = new ConfigSnapshot(1, Map.of("maxItems", "4", "timeout", "1s")).bind("", Limits.class);

        assertThat(limits).isEqualTo(new Limits(4, Duration.ofSeconds(1)));
    }

    @Test
    void optionalComponentsAreEmptyWhenMissingAndSetWhenPresent() {
        Map<String, String> m = fullShop();
        m.put("shop.motto", "cheap and cheerful");
        m.put("shop.fallback-mode", "FAST");

        Shop shop = new ConfigSnapshot(2, m).bind("shop.", Shop.class);

        assertThat(shop.motto()).contains("cheap and cheerful");
        assertThat(shop.fallbackMode()).contains(Mode.FAST);
    }

    @Test
    @DisplayName("every missing required key is named in one error")
    void missingKeysAreAllNamed() {
        Map<String, String> m = fullShop();
        m.remove("shop.max-items");
        m.remove("shop.name");
        m.remove("shop.tags");

        assertThatThrownBy(() -> new ConfigSnapshot(9, m).bind("shop.", Shop.class))
                .isInstanceOf(ConfigBindingException.class)
                .hasMessageContaining("'shop.name'")
                .hasMessageContaining("'shop.max-items' (or 'shop.maxItems')")
                .hasMessageContaining("'shop.tags'")
                .hasMessageContaining("Shop")
                .hasMessageContaining("revision 9");
    }

    @Test
    void badValueNamesTheKeyAndTheValue() {
        Map<String, String> m = fullShop();
        m.put("shop.max-items", "lots");

        assertThatThrownBy(() -> new ConfigSnapshot(1, m).bind("shop.", Shop.class))
                .isInstanceOf(ConfigBindingException.class)
                .hasMessageContaining("config key 'shop.max-items' = 'lots' is not a valid int");
    }

    @Test
    @DisplayName("a secret that does not parse is named but not shown")
    void secretValueIsMaskedInBindingErrors() {
        assertThatThrownBy(() -> new ConfigSnapshot(1, Map.of("svc.api-key", "s3cr3t-value")).bind("svc.", Creds.class))
                .isInstanceOf(ConfigBindingException.class)
                .hasMessageContaining("'svc.api-key'")
                .hasMessageNotContaining("s3cr3t-value");
    }

    @Test
    void secretStringsBindNormally() {
        Db db = new ConfigSnapshot(1, Map.of("db.url", "jdbc:x", "db.pool-size", "8", "db.password", "pw"))
                .bind("db.", Db.class);

        assertThat(db.password()).isEqualTo("pw");
    }

    @Test
    @DisplayName("a record's own validation rejects the binding with its message")
    void compactConstructorValidationBecomesBindingError() {
        assertThatThrownBy(() -> new ConfigSnapshot(1, Map.of("max-items", "0", "timeout", "1s")).bind("", Limits.class))
                .isInstanceOf(ConfigBindingException.class)
                .hasMessageContaining("maxItems must be > 0, was 0");
    }

    @Test
    void unsupportedComponentTypesAreNamed() {
        assertThatThrownBy(() -> new ConfigSnapshot(1, Map.of("settings", "x")).bind("", Unsupported.class))
                .isInstanceOf(ConfigBindingException.class)
                .hasMessageContaining("component 'settings'");
        assertThatThrownBy(() -> new ConfigSnapshot(1, Map.of("values", "1,2")).bind("", Numbers.class))
                .isInstanceOf(ConfigBindingException.class)
                .hasMessageContaining("component 'values'");
    }

    @Test
    void emptyListValueBindsToEmptyList() {
        Map<String, String> m = fullShop();
        m.put("shop.tags", "");

        assertThat(new ConfigSnapshot(1, m).bind("shop.", Shop.class).tags()).isEmpty();
    }
}
