package dev.exstate.config;

import java.util.Objects;
import java.util.Set;

/**
 * One accepted change of config, as delivered to a {@link ConfigListener}.
 *
 * @param previous    the snapshot in force before (revision 0 and empty before the first load)
 * @param current     the snapshot in force now
 * @param changedKeys keys added, removed or changed in value
 */
public record ConfigChange(ConfigSnapshot previous, ConfigSnapshot current, Set<String> changedKeys) {
    public ConfigChange {
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(current, "current");
        changedKeys = Set.copyOf(changedKeys);
    }

    /** The changed keys between two snapshots. */
    public static ConfigChange between(ConfigSnapshot previous, ConfigSnapshot current) {
        Set<String> changed = new java.util.TreeSet<>();
        previous.values().forEach((k, v) -> {
            if (!v.equals(current.values().get(k))) {
                changed.add(k);
            }
        });
        current.values().keySet().forEach(k -> {
            if (!previous.values().containsKey(k)) {
                changed.add(k);
            }
        });
        return new ConfigChange(previous, current, changed);
    }
}
