package dev.exstate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exstate.health.BackendHealth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileConfigSourceTest {
    @TempDir
    Path dir;

    private final List<FileConfigSource> sources = new ArrayList<>();

    @AfterEach
    void closeSources() {
        sources.forEach(FileConfigSource::close);
    }

    private FileConfigSource open(FileConfigSource.Builder builder) {
        FileConfigSource s = builder.build();
        sources.add(s);
        return s;
    }

    /** A source on {@link #file()} that polls every 20 ms, so a test need not wait for the watch service. */
    private FileConfigSource openPolledFast() {
        return open(FileConfigSource.builder(file()).pollInterval(Duration.ofMillis(20)));
    }

    /** {@link #openPolledFast()} on a file first written with content. */
    private FileConfigSource openPolledFast(String content) throws IOException {
        write(content);
        return openPolledFast();
    }

    /** The changes s delivers from now on. */
    private static List<ConfigChange> changesOf(FileConfigSource s) {
        List<ConfigChange> changes = new CopyOnWriteArrayList<>();
        s.subscribe(changes::add);
        return changes;
    }

    private Path file() {
        return dir.resolve("app.properties");
    }

    /** Writes the whole file at once (temp file + atomic move), as a careful editor does. */
    private void write(String content) throws IOException {
        Path tmp = dir.resolve("app.properties.tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10));
    }

    private static ConfigValidator limitAtLeastZero() {
        return s -> {
            int limit = s.getInt("app.limit", 0);
            if (limit < 0) {
                throw new ConfigValidationException("app.limit must be >= 0, was " + limit);
            }
        };
    }

    @Test
    @DisplayName("the file is loaded before open() returns, at revision 1, and health is UP")
    void fileIsLoadedAtOpen() throws IOException {
        write("app.name=shop\napp.limit = 5\n# a comment\ngreeting=h\u00e9llo\n");

        FileConfigSource s = open(FileConfigSource.builder(file()));

        assertThat(s.isLoaded()).isTrue();
        assertThat(s.current().revision()).isEqualTo(1);
        assertThat(s.current().values()).containsOnly(
                java.util.Map.entry("app.name", "shop"), java.util.Map.entry("app.limit", "5"),
                java.util.Map.entry("greeting", "h\u00e9llo"));
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
    }

    @Test
    @DisplayName("a change to the file reaches a listener with the changed keys and the next revision")
    void changeReachesListener() throws IOException {
        write("a=1\nb=2\n");
        FileConfigSource s = open(FileConfigSource.builder(file()));
        List<ConfigChange> changes = changesOf(s);

        write("a=1\nb=3\nc=4\n");

        eventually().until(() -> !changes.isEmpty());
        ConfigChange c = changes.get(0);
        assertThat(c.previous().revision()).isEqualTo(1);
        assertThat(c.current().revision()).isEqualTo(2);
        assertThat(c.changedKeys()).containsExactlyInAnyOrder("b", "c");
        assertThat(s.current().get("b")).contains("3");
    }

    @Test
    @DisplayName("touching the file without changing its content delivers nothing")
    void unchangedContentIsNotAChange() throws IOException {
        FileConfigSource s = openPolledFast("a=1\n");
        List<ConfigChange> changes = changesOf(s);

        Files.setLastModifiedTime(file(), FileTime.from(Instant.now().plusSeconds(5)));
        write("a=1\n");
        write("a = 1\n");
        write("a=2\n");

        eventually().until(() -> !changes.isEmpty());
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.current().revision()).isEqualTo(2);
            assertThat(c.current().get("a")).contains("2");
        });
    }

    @Test
    @DisplayName("content the validator rejects keeps the last good snapshot and is reported; a fixed file is accepted")
    void invalidContentKeepsLastGood() throws IOException {
        write("app.limit=5\n");
        FileConfigSource s = open(FileConfigSource.builder(file()).validator(limitAtLeastZero()));
        ConfigSnapshot good = s.current();
        List<ConfigChange> changes = changesOf(s);

        write("app.limit=-1\n");

        eventually().until(() -> s.lastRejection().isPresent());
        assertThat(s.lastRejection().get().problems()).anySatisfy(p -> assertThat(p).contains("app.limit"));
        assertThat(s.current()).isEqualTo(good);
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);

        write("app.limit=7\n");

        eventually().until(() -> !changes.isEmpty());
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.previous()).isEqualTo(good);
            assertThat(c.current().getInt("app.limit", 0)).isEqualTo(7);
        });
        assertThat(changes.get(0).current().revision()).isGreaterThan(s.lastRejection().get().revision());
    }

    @Test
    @DisplayName("a file rejected at open leaves the source not loaded and DOWN until it is fixed")
    void rejectedAtOpenIsNotLoaded() throws IOException {
        write("app.limit=-3\n");

        FileConfigSource s = open(FileConfigSource.builder(file()).validator(limitAtLeastZero()));

        assertThat(s.isLoaded()).isFalse();
        assertThatThrownBy(s::current).isInstanceOf(ConfigNotLoadedException.class).hasMessageContaining("app.properties");
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.DOWN);

        write("app.limit=3\n");

        eventually().until(s::isLoaded);
        assertThat(s.current().getInt("app.limit", 0)).isEqualTo(3);
    }

    @Test
    @DisplayName("a missing file is an empty config, and creating it later loads its values")
    void missingFileIsEmptyUntilCreated() throws IOException {
        FileConfigSource s = open(FileConfigSource.builder(file()));

        assertThat(s.isLoaded()).isTrue();
        assertThat(s.current().values()).isEmpty();

        write("a=1\n");

        eventually().untilAsserted(() -> assertThat(s.current().get("a")).contains("1"));
    }

    @Test
    @DisplayName("a file that cannot be parsed is ignored: last good values stay, health is DEGRADED until fixed")
    void unparsableFileKeepsLastGood() throws IOException {
        FileConfigSource s = openPolledFast("a=1\n");

        write("a=\\uZZZZ\n");

        eventually().until(() -> s.health().status() == BackendHealth.Status.DEGRADED);
        assertThat(s.current().get("a")).contains("1");

        write("a=2\n");

        eventually().untilAsserted(() -> assertThat(s.current().get("a")).contains("2"));
        assertThat(s.health().status()).isEqualTo(BackendHealth.Status.UP);
    }

    @Test
    @DisplayName("with the watch service off, polling alone picks up a change")
    void pollingAloneFindsChanges() throws IOException {
        write("a=1\n");
        FileConfigSource s = open(FileConfigSource.builder(file())
                .useWatchService(false).pollInterval(Duration.ofMillis(50)));

        write("a=2\n");

        eventually().untilAsserted(() -> assertThat(s.current().get("a")).contains("2"));
        assertThat(s.current().revision()).isEqualTo(2);
    }

    @Test
    @DisplayName("after close() the source no longer calls listeners, and close() is idempotent")
    void closeStopsDelivery() throws IOException {
        FileConfigSource s = openPolledFast("a=1\n");
        List<ConfigChange> changes = changesOf(s);
        FileConfigSource witness = openPolledFast();

        s.close();
        s.close();
        write("a=2\n");

        eventually().untilAsserted(() -> assertThat(witness.current().get("a")).contains("2"));
        assertThat(changes).isEmpty();
        assertThat(s.current().get("a")).contains("1");
    }

    @Test
    @DisplayName("a poll interval too small or too large to count in milliseconds is rejected, not overflowed")
    void pollIntervalBounds() {
        FileConfigSource.Builder b = FileConfigSource.builder(file());
        for (Duration bad : new Duration[] {Duration.ofMillis(9), Duration.ofSeconds(-1), Duration.ofHours(2),
            Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MIN_VALUE)}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.pollInterval(bad))
                    .as(bad.toString())
                    .isExactlyInstanceOf(IllegalArgumentException.class);
        }
        b.pollInterval(Duration.ofHours(1));
    }
}
