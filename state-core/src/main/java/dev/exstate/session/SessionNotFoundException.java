package dev.exstate.session;

/** The session does not exist: it expired, was invalidated, or its id was rotated. */
public class SessionNotFoundException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public SessionNotFoundException(SessionId id) {
        super("session " + id + " not found (expired, invalidated or rotated)");
    }
}
