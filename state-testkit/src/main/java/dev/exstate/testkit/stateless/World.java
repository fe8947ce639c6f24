package dev.exstate.testkit.stateless;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state services a group of replicas shares during a {@link StatelessnessCheck}: backends,
 * config values, a bucket. The replicas under test share one world; the baseline replica gets a
 * fresh one, so nothing it sees was left there by the replicas.
 *
 * <p>A {@link ReplicaFactory} asks the world for what replicas share with
 * {@link #shared(String, Supplier)}: the first call creates it, later calls in the same world
 * return the same object. The check closes the world after its replicas: shared objects that are
 * {@link AutoCloseable}, then hooks added with {@link #onClose}, in reverse order of creation.
 * Thread-safe.
 */
public final class World {
    private static final Logger LOG = LoggerFactory.getLogger(World.class);

    private final String name;
    private final Map<String, Object> shared = new LinkedHashMap<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private boolean closed;

    World(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** {@code "replicas"} for the world of the replicas under test, {@code "baseline"} for the baseline's. */
    public String name() {
        return name;
    }

    /** True for the fresh world of the single baseline replica. */
    public boolean isBaseline() {
        return name.equals(StatelessnessCheck.BASELINE_WORLD);
    }

    /**
     * The object shared under {@code key} in this world, created by {@code create} on first use.
     *
     * @throws ClassCastException (at the caller) if two callers use one key for different types
     */
    @SuppressWarnings("unchecked")
    public synchronized <T> T shared(String key, Supplier<? extends T> create) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(create, "create");
        if (closed) {
            throw new IllegalStateException("world '" + name + "' is closed");
        }
        Object value = shared.get(key);
        if (value == null) {
            value = Objects.requireNonNull(create.get(), () -> "world '" + name + "': creator of '" + key + "' returned null");
            shared.put(key, value);
            if (value instanceof AutoCloseable c) {
                closeables.add(c);
            }
        }
        return (T) value;
    }

    /** Runs {@code hook} when the world is closed (delete a temp dir, stop a backend). */
    public synchronized void onClose(AutoCloseable hook) {
        Objects.requireNonNull(hook, "hook");
        if (closed) {
            throw new IllegalStateException("world '" + name + "' is closed");
        }
        closeables.add(hook);
    }

    /** Closes shared objects and hooks in reverse order; failures are logged, not thrown. */
    void close() {
        List<AutoCloseable> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(closeables);
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                LOG.warn("statelessness check: closing {} of world '{}' failed: {}", toClose.get(i), name, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "World[" + name + "]";
    }
}
