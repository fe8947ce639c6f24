package dev.exstate.internal.session;

import dev.exstate.internal.Redaction;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import java.lang.ref.Cleaner;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports, at DEBUG on the logger {@code dev.exstate.session.Session}, a {@link Session} that
 * became unreachable with changes that were never saved: the silent loss a forgotten
 * {@code save} causes. Not API, may change without notice.
 *
 * <p>Cost: a session registers only on its first change after a load or save, and only while
 * that logger is at DEBUG, so reading a session (the near-cache hit path) costs nothing but the
 * session's field for this object. The watch holds the change map, never the session, so the
 * session can still be collected; a save or an explicit abandon resolves it at once.
 */
public final class UnsavedChanges {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    /** Created on first use: a service that never enables the DEBUG report never starts its thread. */
    private static final class Holder {
        static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "exstate-session-unsaved-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Most attribute names one report lists. */
    private static final int MAX_NAMES = 20;

    private final String session;
    private final Map<String, byte[]> changes;
    private volatile boolean resolved;
    private Cleaner.Cleanable cleanable;

    private UnsavedChanges(SessionId id, Map<String, byte[]> changes) {
        this.session = id.toString(); // the short, non-secret form
        this.changes = changes;
    }

    /**
     * Starts watching {@code session}, whose unsaved changes are {@code changes}; {@code null}
     * (nothing to do) unless the report is enabled.
     */
    public static UnsavedChanges watch(Session session, SessionId id, Map<String, byte[]> changes) {
        if (!log.isDebugEnabled()) {
            return null;
        }
        UnsavedChanges watch = new UnsavedChanges(id, changes);
        // the action refers to the watch only: a reference to the session would keep it alive forever
        watch.cleanable = Holder.CLEANER.register(session, watch::unreachable);
        return watch;
    }

    /** The changes were saved, or their loss was already reported to the caller (an exception): no report. */
    public void resolve() {
        resolved = true;
        cleanable.clean(); // unregisters now instead of at the next GC; runs unreachable() once, which sees resolved
    }

    private void unreachable() {
        if (resolved) {
            return;
        }
        List<String> names;
        try {
            // names only (values may be personal data), made printable: they may be anything
            names = changes.keySet().stream().limit(MAX_NAMES).map(n -> Redaction.printable(n, 64)).toList();
        } catch (RuntimeException e) {
            names = List.of("?");
        }
        log.debug("session {} was dropped with unsaved changes to {}: they are lost. Call SessionStore.save(session) "
                + "before the session goes out of scope, or use SessionStore.update(id, work), which saves on return",
                session, names);
    }
}
