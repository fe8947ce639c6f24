package dev.exstate.testkit.backend;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds backend executables. The system property {@code exstate.bin.<name>} (for example
 * {@code -Dexstate.bin.redis-server=/opt/redis/bin/redis-server}) wins over the PATH.
 */
final class Binaries {
    private Binaries() {}

    static Optional<Path> lookup(String name) {
        String override = System.getProperty("exstate.bin." + name);
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Returns the executable or fails with an exception that says which Debian package provides it.
     */
    static Path require(String name, String debianPackages) {
        return lookup(name).orElseThrow(() -> new BackendStartException(
                "'" + name + "' was not found on the PATH (" + System.getenv("PATH") + ")"
                        + " nor via -Dexstate.bin." + name + "=<path>. Install it, e.g. on Debian/Ubuntu: "
                        + "apt-get install -y " + debianPackages));
    }
}
