package dev.exstate.testkit.backend;

/** Redis answered a command with an error reply; the message is the reply, e.g. {@code NOAUTH ...}. */
public class RespException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RespException(String message) {
        super(message);
    }
}
