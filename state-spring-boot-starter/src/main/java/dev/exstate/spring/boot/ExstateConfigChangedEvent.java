package dev.exstate.spring.boot;

import java.util.Objects;
import java.util.Set;
import org.springframework.context.ApplicationEvent;

/**
 * Published after the live config changed and the {@code @ConfigurationProperties} beans under the
 * changed keys were rebound (see {@link ExstateConfigAutoConfiguration}). A listener
 * ({@code @EventListener} or {@code ApplicationListener}) therefore reads the new values from those
 * beans and from the {@code Environment}.
 *
 * <p>What a listener can rely on: one event per accepted change, in increasing revision order, on
 * the config source's delivery thread (keep listeners quick; what one throws is logged and does not
 * stop later changes). A snapshot the {@code ConfigValidator} refused publishes nothing. Changes
 * accepted while the context was starting (or stopped) are published as one event when it starts,
 * with the union of their keys. {@link #changedKeys()} holds keys added, removed or changed in value,
 * as written in the backend ({@code shop.discount-percent}); values are not carried, so the event
 * can be logged safely. Immutable.
 */
public final class ExstateConfigChangedEvent extends ApplicationEvent {
    private static final long serialVersionUID = 1L;

    private final long previousRevision;
    private final long revision;
    private final Set<String> changedKeys;

    /**
     * @param source           the application context the config belongs to
     * @param previousRevision revision of the config before the change (0 if none was loaded)
     * @param revision         revision of the config now in force
     * @param changedKeys      keys added, removed or changed in value
     */
    public ExstateConfigChangedEvent(Object source, long previousRevision, long revision, Set<String> changedKeys) {
        super(source);
        this.previousRevision = previousRevision;
        this.revision = revision;
        this.changedKeys = Set.copyOf(Objects.requireNonNull(changedKeys, "changedKeys"));
    }

    /** Keys added, removed or changed in value; never empty. */
    public Set<String> changedKeys() {
        return changedKeys;
    }

    /** The backend's revision of the config now in force (the etcd revision, the file's counter). */
    public long revision() {
        return revision;
    }

    /** The revision in force before this change. */
    public long previousRevision() {
        return previousRevision;
    }

    @Override
    public String toString() {
        return "ExstateConfigChangedEvent[revision " + previousRevision + " -> " + revision + ", changed " + changedKeys + "]";
    }
}
