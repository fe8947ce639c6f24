package dev.exstate.spring.boot.internal;

import dev.exstate.config.ConfigSnapshot;
import dev.exstate.config.ConfigSource;
import org.springframework.core.env.EnumerablePropertySource;

/**
 * The runtime's config as a Spring property source named {@value #NAME}: the keys and values of the
 * last snapshot the {@link ConfigSource} accepted (a snapshot its validator refused never gets
 * here). Reads never block and never touch the backend; the snapshot is swapped whole, so a reader
 * sees one revision at a time. Empty until the first snapshot is loaded.
 */
public final class ExstateConfigPropertySource extends EnumerablePropertySource<ConfigSource> {
    /** Name of the property source in the Environment. */
    public static final String NAME = "exstate-config";
    private static final String[] NO_NAMES = new String[0];

    private volatile View view = new View(null, NO_NAMES);

    public ExstateConfigPropertySource(ConfigSource source) {
        super(NAME, source);
    }

    /**
     * Puts {@code snapshot} in force unless a newer one already is (subscribing and reading the
     * current snapshot race with the first delivered change).
     *
     * @return whether it was put in force
     */
    public synchronized boolean update(ConfigSnapshot snapshot) {
        if (snapshot == null) {
            return false;
        }
        ConfigSnapshot now = view.snapshot;
        if (now != null && snapshot.revision() <= now.revision()) {
            return false;
        }
        view = new View(snapshot, snapshot.values().keySet().toArray(NO_NAMES));
        return true;
    }

    /** The snapshot in force, or null before the first one. */
    public ConfigSnapshot snapshot() {
        return view.snapshot;
    }

    /** Revision of the snapshot in force, 0 before the first one. */
    public long revision() {
        ConfigSnapshot s = view.snapshot;
        return s == null ? 0 : s.revision();
    }

    @Override
    public String[] getPropertyNames() {
        return view.names.clone();
    }

    @Override
    public Object getProperty(String name) {
        ConfigSnapshot s = view.snapshot;
        return s == null ? null : s.values().get(name);
    }

    @Override
    public boolean containsProperty(String name) {
        ConfigSnapshot s = view.snapshot;
        return s != null && s.values().containsKey(name);
    }

    @Override
    public String toString() {
        return NAME + " (revision " + revision() + ", " + view.names.length + " keys, from " + getSource() + ")";
    }

    private record View(ConfigSnapshot snapshot, String[] names) {
    }
}
