package dev.exstate.internal.session;

import dev.exstate.internal.Unicode;
import dev.exstate.session.Session;
import dev.exstate.session.SessionId;
import dev.exstate.session.SessionLimitException;
import dev.exstate.session.SessionOptions;
import java.util.Map;
import java.util.Objects;

/**
 * The checks every session provider makes before it sends or stores anything, in one place so
 * that all providers refuse the same input with the same {@link SessionLimitException}. Not API,
 * may change without notice.
 */
public final class SessionChecks {
    private SessionChecks() {
    }

    /**
     * Throws unless {@code name} is a valid attribute name under {@code options}: not empty, at
     * most {@link SessionOptions#maxAttributeNameLength()} characters, no control characters and
     * no unpaired surrogates (they have no UTF-8 form: {@code "x\uD800"} would be stored as
     * {@code "x?"}, the same attribute as {@code "x?"}). Names are not echoed: they may be garbage.
     */
    public static void name(SessionId id, String name, SessionOptions options) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw refused(id, "attribute name must not be empty");
        }
        if (name.length() > options.maxAttributeNameLength()) {
            throw refused(id, "attribute name is " + name.length() + " characters, more than maxAttributeNameLength="
                    + options.maxAttributeNameLength());
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw refused(id, "attribute name contains a control character at index " + i);
            }
        }
        int bad = Unicode.unpairedSurrogate(name);
        if (bad >= 0) {
            throw refused(id, "attribute name contains an unpaired UTF-16 surrogate at index " + bad
                    + " (no UTF-8 form)");
        }
    }

    /**
     * Checks a save's changes without the stored state: every name, and the limits against what
     * the changes alone add (each put attribute is part of the result with its new value, so if
     * the puts alone exceed a limit, the result does too). A provider calls this before sending
     * anything, so an oversized value is refused at once instead of travelling to the backend.
     */
    public static void changes(SessionId id, Map<String, byte[]> changes, SessionOptions options) {
        // at most maxAttributes puts can succeed and at most maxAttributes stored attributes can be
        // removed: more changes than both are pointless, and would make one oversized request
        long most = 2L * options.maxAttributes();
        if (changes.size() > most) {
            throw refused(id, "the save holds " + changes.size() + " changes; at most " + most
                    + " (twice maxAttributes=" + options.maxAttributes() + ") can mean anything");
        }
        long puts = 0;
        long bytes = 0;
        for (Map.Entry<String, byte[]> change : changes.entrySet()) {
            name(id, change.getKey(), options);
            if (change.getValue() != null) {
                puts++;
                bytes += Session.sizeOf(change.getKey(), change.getValue());
            }
        }
        if (puts > options.maxAttributes()) {
            throw refused(id, "the save would leave at least " + puts + " attributes, more than maxAttributes="
                    + options.maxAttributes());
        }
        if (bytes > options.maxSessionBytes()) {
            throw refused(id, "the save would leave at least " + bytes + " bytes of names and values, more than "
                    + "maxSessionBytes=" + options.maxSessionBytes());
        }
    }

    /** Checks one attribute's new value alone (for compute) before anything is sent. */
    public static void value(SessionId id, String name, byte[] value, SessionOptions options) {
        long bytes = Session.sizeOf(name, value);
        if (value != null && bytes > options.maxSessionBytes()) {
            throw refused(id, "the new value would leave at least " + bytes + " bytes of names and values, more than "
                    + "maxSessionBytes=" + options.maxSessionBytes());
        }
    }

    private static SessionLimitException refused(SessionId id, String problem) {
        return new SessionLimitException("session " + id + ": " + problem + "; nothing was written");
    }
}
