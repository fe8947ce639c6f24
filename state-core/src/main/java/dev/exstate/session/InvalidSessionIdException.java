package dev.exstate.session;

/** A session id from a client is malformed. Treat the request as having no session. */
public class InvalidSessionIdException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidSessionIdException(String message) {
        super(message);
    }
}
