package dev.exstate.testkit.backend;

/**
 * A backend process could not be started: its binary is missing, it exited early, or it did not
 * become ready in time. The message names the backend, its address and, when the process ran,
 * the last lines of its log, so a failing test shows why without digging for files.
 */
public class BackendStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean portClash;

    public BackendStartException(String message) {
        this(message, null, false);
    }

    public BackendStartException(String message, Throwable cause) {
        this(message, cause, false);
    }

    BackendStartException(String message, Throwable cause, boolean portClash) {
        super(message, cause);
        this.portClash = portClash;
    }

    /** True when the process failed because a chosen port was taken; a retry on fresh ports may succeed. */
    boolean isPortClash() {
        return portClash;
    }
}
