package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("scripts/demo.sh")
class DemoScriptTest {
    private static final Path SCRIPT = Path.of("..", "scripts", "demo.sh");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--help", "-h"})
    @DisplayName("answers --help and -h with Demo's usage, word for word, without building")
    void helpWithoutBuild(String option) throws Exception {
        ByteArrayOutputStream demo = new ByteArrayOutputStream();
        int demoCode = Demo.run(new String[] {option}, new PrintStream(demo, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        // A JAVA_HOME that does not exist: if the script started Maven (the build), the wrapper
        // would fail on it and the script would exit non-zero.
        Path stdout = Files.createTempFile("demo-help", ".txt");
        Path stderr = Files.createTempFile("demo-help", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of("bash", SCRIPT.toString(), option))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            pb.environment().put("JAVA_HOME", "/nonexistent-exstate-demo-help");
            Process script = pb.start();
            assertThat(script.waitFor(60, TimeUnit.SECONDS)).as("the script ended").isTrue();

            assertThat(script.exitValue()).as(read(stderr)).isEqualTo(demoCode).isZero();
            assertThat(read(stdout)).isEqualTo(demo.toString(StandardCharsets.UTF_8));
            assertThat(read(stderr)).isEmpty();
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
