package dev.exstate.session;

/**
 * A save or compute would exceed {@link SessionOptions#maxAttributes()},
 * {@link SessionOptions#maxSessionBytes()} or {@link SessionOptions#maxAttributeNameLength()}.
 * Nothing was written: the stored session is unchanged.
 */
public class SessionLimitException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SessionLimitException(String message) {
        super(message);
    }
}
