package dev.exstate.testkit.backend;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What every launcher's builder has: a start timeout, another executable than the PATH's, and
 * {@link #start()}, which leaves nothing running when the start fails.
 *
 * @param <B> the builder itself
 * @param <T> the launcher it builds
 */
abstract class LauncherBuilder<B extends LauncherBuilder<B, T>, T extends Launcher<T>> {
    Duration startTimeout = BackendProcess.DEFAULT_START_TIMEOUT;
    Path binary;

    LauncherBuilder() {
    }

    /** How long starting may take before it fails; default 20 seconds. */
    public B startTimeout(Duration timeout) {
        this.startTimeout = BackendProcess.requirePositive(timeout, "startTimeout");
        return self();
    }

    /** Uses this executable instead of the one on the PATH. */
    public B binary(Path binary) {
        this.binary = Objects.requireNonNull(binary, "binary");
        return self();
    }

    /** Creates the processes without starting them. */
    public abstract T build();

    /** Creates and starts; on failure nothing is left running. */
    public T start() {
        T launched = build();
        try {
            return launched.start();
        } catch (RuntimeException e) {
            launched.close();
            throw e;
        }
    }

    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }
}
