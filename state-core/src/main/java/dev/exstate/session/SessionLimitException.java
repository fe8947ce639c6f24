package dev.exstate.session;

/**
 * A save or compute was refused before anything was written: it would exceed
 * {@link SessionOptions#maxAttributes()} or {@link SessionOptions#maxSessionBytes()}, or an
 * attribute name is invalid (empty, longer than {@link SessionOptions#maxAttributeNameLength()},
 * with control characters or unpaired surrogates). The stored session is unchanged. Every provider
 * refuses the same input; the message says which limit and never contains values.
 */
public class SessionLimitException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SessionLimitException(String message) {
        super(message);
    }
}
