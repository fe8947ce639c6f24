package dev.exstate.config;

import dev.exstate.testkit.contract.ConfigSourceContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file source passes the same contract as the others. The backend is one properties file;
 * every replica watches it, and each write replaces the whole file at once (temp file and atomic
 * move), as a careful editor or a ConfigMap update does.
 */
@DisplayName("FileConfigSource passes the ConfigSource contract")
class FileConfigSourceContractTest extends ConfigSourceContract {
    @TempDir
    Path dir;

    private final Map<String, String> content = new TreeMap<>();
    private Path file;

    @BeforeEach
    void freshFile() {
        file = dir.resolve("app.properties");
        content.clear();
    }

    @Override
    protected ConfigSource newSource(ConfigValidator validator) {
        return FileConfigSource.builder(file).validator(validator).pollInterval(Duration.ofMillis(50)).build();
    }

    @Override
    protected synchronized void put(Map<String, String> values) {
        content.putAll(values);
        write();
    }

    @Override
    protected synchronized void delete(String key) {
        content.remove(key);
        write();
    }

    private void write() {
        Properties props = new Properties();
        props.putAll(content);
        Path tmp = dir.resolve("app.properties.tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                props.store(w, null);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
